/**
 * The two ways loading a config fails: the file's content is wrong (`ConfigInvalid`), or the file
 * named explicitly cannot be read (`ConfigFileError`).
 *
 * @module
 */
import type { ConfigIssue } from "../wire/config.ts"

/**
 * A config that cannot be used: malformed JSONC, an unknown key, a wrong type or an out-of-range value.
 * The message names the file, every key at fault, what was expected and the value given, e.g.
 *
 * ```text
 * Invalid config in /home/me/tether.jsonc:
 *   server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500
 * ```
 *
 * @example
 * ```ts
 * import { ConfigInvalid, validateConfig } from "@tether/core"
 * try {
 *   validateConfig({ server: { event_stream: { heartbeat_ms: 500 } } }, null)
 * } catch (error) {
 *   if (error instanceof ConfigInvalid) console.log(error.issues[0]?.path) // server.event_stream.heartbeat_ms
 * }
 * ```
 */
export class ConfigInvalid extends Error {
  override readonly name = "ConfigInvalid" as const
  /** The file the config came from, or `null` (e.g. a `PATCH /global/config` body). */
  readonly file: string | null
  /** Every problem found, in the order the validator met them. Never empty. */
  readonly issues: readonly ConfigIssue[]

  constructor(file: string | null, issues: readonly ConfigIssue[]) {
    super(formatInvalid(file, issues))
    this.file = file
    this.issues = issues
  }

  /**
   * The shape the HTTP API sends as `{"error": err.toJSON()}`.
   *
   * @example
   * ```ts
   * import { ConfigInvalid } from "@tether/core"
   * const err = new ConfigInvalid(null, [{ path: "server.port", message: "expected an integer from 0 to 65535, got 70000" }])
   * console.log(JSON.stringify({ error: err.toJSON() }))
   * ```
   */
  toJSON(): { name: "ConfigInvalid"; message: string; issues: readonly ConfigIssue[] } {
    return { name: this.name, message: this.message, issues: this.issues }
  }
}

const formatInvalid = (file: string | null, issues: readonly ConfigIssue[]): string => {
  const head = file === null ? "Invalid config:" : `Invalid config in ${file}:`
  const lines = issues.map((issue) => `  ${issue.path === "" ? "" : `${issue.path}: `}${issue.message}`)
  return [head, ...lines].join("\n")
}

/**
 * A config file that was named explicitly (`--config`, `TETHER_CONFIG`) or found by lookup but
 * cannot be read: missing, a directory, a FIFO, a device, over 1 MiB, no permission. Never replaced by
 * defaults silently.
 * `cause` holds the underlying system error when there is one.
 *
 * @example
 * ```ts
 * import { ConfigFileError, loadConfig } from "@tether/core"
 * try {
 *   await loadConfig({ configPath: "/nowhere/tether.jsonc" })
 * } catch (error) {
 *   if (error instanceof ConfigFileError) console.log(error.file) // /nowhere/tether.jsonc
 * }
 * ```
 */
export class ConfigFileError extends Error {
  override readonly name = "ConfigFileError" as const
  /** The absolute path of the file. */
  readonly file: string
  /** `true` when nothing is there (no such file), `false` when something is but cannot be used. */
  readonly missing: boolean

  constructor(file: string, message: string, options?: { cause?: unknown; missing?: boolean }) {
    super(message, options)
    this.file = file
    this.missing = options?.missing ?? false
  }

  /** `{ name, message, file }`, the shape the HTTP API sends as `{"error": …}`. */
  toJSON(): { name: "ConfigFileError"; message: string; file: string } {
    return { name: this.name, message: this.message, file: this.file }
  }
}
