/**
 * Finds, reads and validates the config file, in the lookup order of docs/config.md.
 *
 * @module
 */
import { join, resolve } from "node:path"
import type { Config } from "../wire/config.ts"
import { ConfigFileError } from "./errors.ts"
import { defaultConfigDir, type Env } from "./paths.ts"
import { readConfigText } from "./read-file.ts"
import { defaultConfig } from "./schema.ts"
import { parseConfigText } from "./validate.ts"

/**
 * Where the config in force came from: the `--config` flag, `TETHER_CONFIG`, the working directory,
 * the XDG config directory, or nowhere (`"default"`).
 *
 * @example
 * ```ts
 * import { loadConfig } from "@tether/core"
 * const { source } = await loadConfig()
 * if (source === "default") console.log("no config file found, using defaults")
 * ```
 */
export type ConfigSource = "flag" | "env" | "cwd" | "xdg" | "default"

/**
 * The result of `loadConfig`: the validated config and the absolute path of the file it came from
 * (`null` when no file was found and every default applies).
 *
 * @example
 * ```ts
 * import { type LoadedConfig, loadConfig } from "@tether/core"
 * const loaded: LoadedConfig = await loadConfig({ cwd: "/srv/app" })
 * console.log(loaded.path ?? "(defaults)", loaded.config.server.port)
 * ```
 */
export interface LoadedConfig {
  readonly config: Config
  readonly path: string | null
  readonly source: ConfigSource
}

/**
 * Options of `loadConfig`; all optional. Pass `cwd` and `env` to look up somewhere other than the
 * current process (tests, a supervisor starting a child).
 *
 * @example
 * ```ts
 * import { loadConfig } from "@tether/core"
 * await loadConfig({ configPath: "conf/tether.jsonc", cwd: "/srv/app", env: { HOME: "/home/app" } })
 * ```
 */
export interface LoadConfigOptions {
  /** The `--config PATH` flag; relative to `cwd`. Must exist. */
  readonly configPath?: string | undefined
  /**
   * How a read error names where `configPath` came from. Default `"given by --config"`; a command
   * taking the path as an argument says so (`"given to tether config validate"`).
   */
  readonly configPathOrigin?: string | undefined
  /** The directory searched for `./tether.jsonc` and `./tether.json`. Default `process.cwd()`. */
  readonly cwd?: string | undefined
  /** Read for `TETHER_CONFIG`, `XDG_CONFIG_HOME` and `HOME`. Default `process.env`. */
  readonly env?: Env | undefined
}

/**
 * The file names looked up in a directory, first found wins.
 *
 * @example
 * ```ts
 * import { CONFIG_FILE_NAMES } from "@tether/core"
 * console.log(CONFIG_FILE_NAMES.join(", ")) // tether.jsonc, tether.json
 * ```
 */
export const CONFIG_FILE_NAMES = ["tether.jsonc", "tether.json"] as const

/**
 * Reads a file; `undefined` when nothing is there and `optional` is set. A dangling symbolic link
 * does exist: someone put a config there, so it is an error rather than a silent skip to the defaults.
 */
const readConfigFile = async (
  path: string,
  origin: string,
  optional: boolean,
): Promise<string | undefined> => {
  try {
    return await readConfigText(path, origin)
  } catch (error) {
    if (optional && error instanceof ConfigFileError && error.missing) return undefined
    throw error
  }
}

/**
 * Loads the config in force. Lookup, first found wins:
 * 1. `configPath` (the `--config` flag), 2. `env.TETHER_CONFIG`, 3. `cwd/tether.jsonc`,
 * 4. `cwd/tether.json`, 5. `$XDG_CONFIG_HOME/tether/tether.jsonc|json` (default `~/.config/tether/`),
 * else every default (`path: null`, `source: "default"`).
 *
 * A file named by the flag or the env var must exist: if it cannot be read, `ConfigFileError`
 * names it (never a silent fall back to defaults). A found file that cannot be read is an error too
 * (a dangling symbolic link included), and so is anything but a regular file (a FIFO, a device: see
 * `readConfigBytes`).
 * Bad content throws `ConfigInvalid` naming the file, the key, what was expected and the value given.
 *
 * @example
 * ```ts
 * import { loadConfig } from "@tether/core"
 * const { config, path, source } = await loadConfig({ configPath: process.argv[2] })
 * console.log(`heartbeat ${config.server.event_stream.heartbeat_ms} ms from ${path ?? "defaults"} (${source})`)
 * ```
 */
export const loadConfig = async (options: LoadConfigOptions = {}): Promise<LoadedConfig> => {
  const cwd = resolve(options.cwd ?? process.cwd())
  const env = options.env ?? process.env

  const explicit: { path: string; source: ConfigSource; origin: string } | undefined =
    options.configPath !== undefined && options.configPath !== ""
      ? {
          path: resolve(cwd, options.configPath),
          source: "flag",
          origin: options.configPathOrigin ?? "given by --config",
        }
      : env.TETHER_CONFIG !== undefined && env.TETHER_CONFIG !== ""
        ? { path: resolve(cwd, env.TETHER_CONFIG), source: "env", origin: "given by TETHER_CONFIG" }
        : undefined
  if (explicit !== undefined) {
    const text = (await readConfigFile(explicit.path, explicit.origin, false)) ?? ""
    return { config: parseConfigText(text, explicit.path), path: explicit.path, source: explicit.source }
  }

  const xdg = defaultConfigDir(env)
  const candidates: { path: string; source: ConfigSource }[] = [
    ...CONFIG_FILE_NAMES.map((name) => ({ path: join(cwd, name), source: "cwd" as const })),
    ...CONFIG_FILE_NAMES.map((name) => ({ path: join(xdg, name), source: "xdg" as const })),
  ]
  for (const candidate of candidates) {
    const text = await readConfigFile(candidate.path, "found by lookup", true)
    if (text !== undefined) {
      return { config: parseConfigText(text, candidate.path), path: candidate.path, source: candidate.source }
    }
  }
  return { config: defaultConfig(), path: null, source: "default" }
}
