/**
 * Where Tether keeps its files by default, following the XDG Base Directory spec.
 *
 * @module
 */
import { homedir } from "node:os"
import { isAbsolute, join } from "node:path"

/**
 * Environment variables, as `process.env` holds them.
 *
 * @example
 * ```ts
 * import { defaultDataDir, type Env } from "@tether/core"
 * const env: Env = { XDG_DATA_HOME: "/var/lib" }
 * defaultDataDir(env) // "/var/lib/tether"
 * ```
 */
export type Env = Record<string, string | undefined>

// The XDG spec says a relative or empty value is invalid and must be ignored.
const xdgBase = (env: Env, name: string, fallback: readonly string[]): string => {
  const value = env[name]
  if (value !== undefined && value !== "" && isAbsolute(value)) return value
  const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir()
  return join(home, ...fallback)
}

/**
 * The directory searched last for `tether.jsonc` / `tether.json`: `$XDG_CONFIG_HOME/tether`, or
 * `~/.config/tether` when that variable is unset, empty or relative.
 *
 * @param env defaults to `process.env`
 * @example
 * ```ts
 * import { defaultConfigDir } from "@tether/core"
 * defaultConfigDir({ XDG_CONFIG_HOME: "/etc/xdg" }) // "/etc/xdg/tether"
 * defaultConfigDir({ HOME: "/home/me" }) // "/home/me/.config/tether"
 * ```
 */
export const defaultConfigDir = (env: Env = process.env): string =>
  join(xdgBase(env, "XDG_CONFIG_HOME", [".config"]), "tether")

/**
 * The default data directory (it holds the SQLite event log): `$XDG_DATA_HOME/tether`, or
 * `~/.local/share/tether` when that variable is unset, empty or relative.
 *
 * @param env defaults to `process.env`
 * @example
 * ```ts
 * import { defaultDataDir } from "@tether/core"
 * defaultDataDir({ HOME: "/home/me" }) // "/home/me/.local/share/tether"
 * ```
 */
export const defaultDataDir = (env: Env = process.env): string =>
  join(xdgBase(env, "XDG_DATA_HOME", [".local", "share"]), "tether")
