/**
 * Finds, reads and validates the config file, in the lookup order of DESIGN.md.
 *
 * @module
 */
import { open, readlink } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import type { Config } from "../wire/config.ts"
import { decodeConfigBytes } from "./decode.ts"
import { ConfigFileError } from "./errors.ts"
import { defaultConfigDir, type Env } from "./paths.ts"
import { readCapped } from "./read-capped.ts"
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

// A config is a few hundred bytes; the cap keeps `--config /dev/zero` or a wrong file from eating memory.
const MAX_BYTES = 1024 * 1024
const NOT_REGULAR = "TETHER_NOT_REGULAR"
const TOO_BIG = "TETHER_TOO_BIG"

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  ENOTDIR: "no such file (a parent is not a directory)",
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  [NOT_REGULAR]: "it is not a regular file (a device or socket)",
  [TOO_BIG]: `it is larger than ${MAX_BYTES / 1024 / 1024} MiB, far more than any config`,
}

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined

/** Where `path` points when it is a symbolic link (absolute), else `undefined`. */
const linkTarget = async (path: string): Promise<string | undefined> => {
  try {
    return resolve(dirname(path), await readlink(path))
  } catch {
    return undefined
  }
}

const failure = (code: string): Error => Object.assign(new Error(REASONS[code]), { code })

/**
 * The bytes of a regular file or a pipe (`--config /dev/stdin`), at most `MAX_BYTES`. A directory
 * opens fine on Linux and fails on read; a device would never end: both are refused up front.
 */
const readBytes = async (path: string): Promise<Uint8Array> => {
  const handle = await open(path, "r")
  try {
    const info = await handle.stat()
    if (info.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" })
    if (!info.isFile() && !info.isFIFO()) throw failure(NOT_REGULAR)
    // Position null: read on from where the last read stopped, which a pipe requires.
    const bytes = await readCapped(
      async (buffer) => (await handle.read(buffer, 0, buffer.byteLength, null)).bytesRead,
      MAX_BYTES,
    )
    if (bytes === null) throw failure(TOO_BIG)
    return bytes
  } finally {
    await handle.close()
  }
}

/**
 * Reads a file; `undefined` when it does not exist and `optional` is set. A dangling symbolic link
 * does exist: someone put a config there, so it is an error rather than a silent skip to the defaults.
 */
const readConfigFile = async (
  path: string,
  origin: string,
  optional: boolean,
): Promise<string | undefined> => {
  let bytes: Uint8Array
  try {
    bytes = await readBytes(path)
  } catch (error) {
    const code = errorCode(error)
    const target = code === "ENOENT" ? await linkTarget(path) : undefined
    if (optional && target === undefined && (code === "ENOENT" || code === "ENOTDIR")) return undefined
    const reason =
      (target !== undefined ? `it is a symbolic link to ${target}, which does not exist` : undefined) ??
      (code !== undefined ? REASONS[code] : undefined) ??
      String(error)
    throw new ConfigFileError(path, `Cannot read config file ${path} (${origin}): ${reason}`, {
      cause: error,
    })
  }
  return decodeConfigBytes(bytes, path)
}

/**
 * Loads the config in force. Lookup, first found wins:
 * 1. `configPath` (the `--config` flag), 2. `env.TETHER_CONFIG`, 3. `cwd/tether.jsonc`,
 * 4. `cwd/tether.json`, 5. `$XDG_CONFIG_HOME/tether/tether.jsonc|json` (default `~/.config/tether/`),
 * else every default (`path: null`, `source: "default"`).
 *
 * A file named by the flag or the env var must exist: if it cannot be read, `ConfigFileError`
 * names it (never a silent fall back to defaults). A found file that cannot be read is an error too,
 * a dangling symbolic link included.
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
