/**
 * The `tether` command line: the commands by first word, the usage, and the one `runMain` of the
 * package. `main.ts` (the bin) runs it as it is; the server's test entry point runs it with fault layers.
 *
 * @module
 */
import { Effect } from "effect"
import type { ServerDecorators } from "../app-layer.ts"
import { VERSION } from "../version.ts"
import { CONFIG_USAGE, configCommand } from "./config-command.ts"
import { ENVIRONMENT_HELP } from "./environment-help.ts"
import { fail, runMain } from "./run-main.ts"
import { SERVE_USAGE, serve } from "./serve.ts"
import { userDirectory } from "./user-directory.ts"

const USAGE = `tether ${VERSION}: a local server with a live event stream that does not silently die

${SERVE_USAGE}

${CONFIG_USAGE}

  tether --help | --version        every command also answers --help

${ENVIRONMENT_HELP}`

const main = (
  argv: readonly string[],
  decorate: ServerDecorators | undefined,
): Effect.Effect<void, unknown> => {
  const [name, ...rest] = argv
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    return Effect.sync(() => process.stdout.write(`${USAGE}\n`))
  }
  if (name === "--version" || name === "-v") return Effect.sync(() => process.stdout.write(`${VERSION}\n`))
  // One line per command, by first word.
  if (name === "serve") return serve(rest, decorate)
  if (name === "config") return configCommand(rest)
  return fail(`tether: unknown command "${name}"\n\n${USAGE}`, 2)
}

/**
 * Runs `tether ARGV` until it ends, then exits the process with its code.
 *
 * @param decorate wrappers around the served server's log and bus; the bin passes none.
 *
 * @example
 * ```ts
 * import { runCli } from "./run-cli.ts"
 * runCli(["serve", "--port", "0"])
 * ```
 */
export const runCli = (argv: readonly string[], decorate?: ServerDecorators): void => {
  // Relative paths (--config, --data-dir, validate's PATH, ./tether.jsonc) are meant from where the user
  // typed the command, which `bun run tether` from a sub-folder is not.
  const here = userDirectory(process.env, process.cwd())
  try {
    if (here !== process.cwd()) process.chdir(here)
  } catch (error) {
    // That folder is gone or unreadable: say so, and keep the script's own directory.
    process.stderr.write(
      `tether: cannot work from ${here} (${error instanceof Error ? error.message : error}); using ${process.cwd()}\n`,
    )
  }
  runMain(main(argv, decorate))
}
