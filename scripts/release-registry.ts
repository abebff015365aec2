/**
 * @module
 * Where `bun run release` publishes a package, worked out the way `npm publish` (which Changesets runs in
 * the package's folder) works it out, so the release can say so before it publishes anything: a rehearsal
 * against a local registry (`NPM_CONFIG_REGISTRY=http://127.0.0.1:4873/`) and the real release look alike.
 */
import { run } from "./pack-check/run.ts"
import type { WorkspacePackage } from "./pack-check/workspace.ts"

/** A registry URL and what chose it, as a maintainer would look for it. */
export interface PublishRegistry {
  url: string
  source: string
}

const npmConfig = async (key: string, cwd: string, env: Record<string, string | undefined>) => {
  const { code, stdout, stderr } = await run(
    // --no-workspaces: in a workspace package npm would refuse `config get` (ENOWORKSPACES)
    ["npm", "config", "get", key, "--no-workspaces"],
    { cwd, env, timeoutMs: 30_000 },
  )
  if (code !== 0) throw new Error(`\`npm config get ${key}\` failed in ${cwd}: ${stderr.trim()}`)
  const value = stdout.trim()
  return value === "" || value === "undefined" ? undefined : value
}

/**
 * The registry `npm publish` would use for `pkg`: the package's `publishConfig` (`@scope:registry`, then
 * `registry`), else npm's config for the scope, else npm's `registry` (environment, `.npmrc` files, npm's
 * default), read with the real `npm` from the package's folder.
 *
 * @example
 * ```ts
 * import { publishRegistry } from "./scripts/release-registry.ts"
 *
 * await publishRegistry(sdk, { ...process.env, NPM_CONFIG_REGISTRY: "http://127.0.0.1:4873/" })
 * // { url: "http://127.0.0.1:4873/", source: "NPM_CONFIG_REGISTRY" }
 * ```
 */
export async function publishRegistry(
  pkg: Pick<WorkspacePackage, "name" | "dir" | "relativeDir" | "manifest">,
  env: Record<string, string | undefined> = process.env,
): Promise<PublishRegistry> {
  const scope = pkg.name.startsWith("@") ? pkg.name.split("/")[0] : undefined
  const publishConfig = (pkg.manifest.publishConfig ?? {}) as Record<string, unknown>
  for (const key of [...(scope ? [`${scope}:registry`] : []), "registry"]) {
    const value = publishConfig[key]
    if (typeof value === "string") {
      return { url: value, source: `publishConfig["${key}"] in ${pkg.relativeDir}/package.json` }
    }
  }
  if (scope) {
    const scoped = await npmConfig(`${scope}:registry`, pkg.dir, env)
    if (scoped) return { url: scoped, source: `npm config ${scope}:registry` }
  }
  const url = await npmConfig("registry", pkg.dir, env)
  if (!url) throw new Error(`npm names no registry for ${pkg.name}`)
  const variable = ["NPM_CONFIG_REGISTRY", "npm_config_registry"].find((name) => env[name])
  return { url, source: variable ?? "npm config registry (an .npmrc file or npm's default)" }
}

/**
 * Whether `url` answers `npm ping` (no retries: a rehearsal registry that is not running fails at once).
 *
 * @example
 * ```ts
 * await pingRegistry("http://127.0.0.1:4873/", process.cwd()) // undefined when it answers, else npm's error
 * ```
 */
export async function pingRegistry(url: string, cwd: string): Promise<string | undefined> {
  const { code, stderr } = await run(
    ["npm", "ping", "--registry", url, "--fetch-retries=0", "--fetch-timeout=15000"],
    { cwd, timeoutMs: 30_000 },
  )
  if (code === 0) return undefined
  return (
    stderr
      .split("\n")
      .map((line) => line.replace(/^npm error /, "").trim())
      .find((line) => /ECONNREFUSED|ENOTFOUND|E\d{3}|timeout|failed/i.test(line)) ?? `npm ping exited ${code}`
  )
}
