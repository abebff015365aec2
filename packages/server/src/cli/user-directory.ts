/**
 * Where the user stands when the CLI runs as the repository's `tether` script. A package manager runs
 * a script from the package's root, not from where it was typed, so `bun run tether config validate
 * my.jsonc` typed in `docs/` would look for `my.jsonc` at the root. npm, pnpm and Yarn say where it was
 * typed in `INIT_CWD`; Bun's runner sets no `INIT_CWD` but keeps that directory in
 * `npm_config_local_prefix`.
 *
 * Only the named script moves (`tether`, and `start` for `scripts/start.ts`): other scripts (the server
 * package's `dev`, with paths relative to its own folder) keep the directory they were started in,
 * whatever `INIT_CWD` they inherit.
 *
 * @module
 */

/**
 * The directory relative paths on the command line are meant from: where the user typed
 * `… run <script> …`, or `cwd` when this process was not started as that script.
 *
 * @example
 * ```ts
 * import { userDirectory } from "./user-directory.ts"
 * userDirectory({ npm_lifecycle_event: "tether", INIT_CWD: "/repo/docs" }, "/repo") // "/repo/docs"
 * userDirectory({ npm_lifecycle_event: "dev", INIT_CWD: "/repo" }, "/repo/packages/server") // "/repo/packages/server"
 * ```
 */
export const userDirectory = (
  env: Record<string, string | undefined>,
  cwd: string,
  script = "tether",
): string => {
  if (env.npm_lifecycle_event !== script) return cwd
  if (env.INIT_CWD !== undefined && env.INIT_CWD !== "") return env.INIT_CWD
  const bun = env.npm_config_user_agent?.startsWith("bun/") === true
  const typedIn = env.npm_config_local_prefix
  return bun && typedIn !== undefined && typedIn !== "" ? typedIn : cwd
}
