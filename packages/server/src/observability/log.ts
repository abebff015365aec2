/**
 * The server's log: one line per lifecycle event, on stderr (stdout carries only the CLI's contract
 * line `tether listening on …`), written through Effect's `Logger` in one of two formats:
 *
 * - `pretty`: `2026-12-06T09:41:02.120Z INFO  tether: stream closed stream=12 reason=slow`
 * - `json`: `{"time":"2026-12-06T09:41:02.120Z","level":"info","message":"stream closed","stream":12,"reason":"slow"}`
 *
 * Secrets never reach a line: the final text of every line goes through {@link redact}, which
 * replaces the server password (from `TETHER_SERVER_PASSWORD`), `?token=` values and
 * `Authorization` credentials with `[redacted]`, whatever the message or its fields held. Call sites
 * do not log headers or query strings to begin with; this is the net under them.
 *
 * Most lifecycle events happen in plain JavaScript (the stream hot path has no Effect in it, see
 * `stream/connection.ts`), so the log is a small object whose methods run one `Effect.logWithLevel`
 * each with this logger and level provided, and skip the run entirely below the level.
 *
 * @module
 */
import { Effect, Logger, References } from "effect"

/** `--log-format`. */
export type LogFormat = "pretty" | "json"

/** `--log-level`, most verbose first. */
export type LogLevelName = "debug" | "info" | "warn" | "error"

/** The accepted `--log-format` values. */
export const LOG_FORMATS: readonly LogFormat[] = ["pretty", "json"]

/** The accepted `--log-level` values, most verbose first. */
export const LOG_LEVELS: readonly LogLevelName[] = ["debug", "info", "warn", "error"]

/** Fields of a line: small scalars (ids, counts, reasons, paths). */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

/** The server's log. */
export interface ServerLog {
  readonly format: LogFormat
  readonly level: LogLevelName
  /** Whether a line at `level` would be written (check before building costly fields). */
  readonly enabled: (level: LogLevelName) => boolean
  readonly debug: (message: string, fields?: LogFields) => void
  readonly info: (message: string, fields?: LogFields) => void
  readonly warn: (message: string, fields?: LogFields) => void
  readonly error: (message: string, fields?: LogFields) => void
}

/** How to make a log. */
export interface ServerLogOptions {
  /** Default `pretty`. */
  readonly format?: LogFormat
  /** Default `info`. */
  readonly level?: LogLevelName
  /** Where a finished line (with its newline) goes. Default: stderr. */
  readonly write?: (line: string) => void
  /** Values that must never appear in a line. Default: `TETHER_SERVER_PASSWORD` when set. */
  readonly secrets?: readonly string[]
}

const RANK: Record<LogLevelName, number> = { debug: 0, info: 1, warn: 2, error: 3 }
const EFFECT_LEVEL = { debug: "Debug", info: "Info", warn: "Warn", error: "Error" } as const

/**
 * Makes a log.
 *
 * @example
 * ```ts
 * import { makeServerLog } from "./log.ts"
 *
 * const log = makeServerLog({ format: "json", level: "debug" })
 * log.info("listening", { url: "http://127.0.0.1:4096" })
 * // stderr: {"time":"…","level":"info","message":"listening","url":"http://127.0.0.1:4096"}
 * ```
 */
export const makeServerLog = (options: ServerLogOptions = {}): ServerLog => {
  const format = options.format ?? "pretty"
  const level = options.level ?? "info"
  const write = options.write ?? ((line: string) => void process.stderr.write(line))
  const secrets = (options.secrets ?? envSecrets()).filter((secret) => secret.length > 0)
  const logger = Logger.make((entry) => {
    const structured = Logger.formatStructured.log(entry)
    const line = formatLine(
      format,
      entry.date,
      entry.logLevel.toLowerCase(),
      String(structured.message),
      structured.annotations,
    )
    write(`${redact(line, secrets)}\n`)
  })
  const loggers = new Set([logger])
  const minimum = EFFECT_LEVEL[level]
  const enabled = (at: LogLevelName) => RANK[at] >= RANK[level]
  const emit = (at: LogLevelName) => (message: string, fields?: LogFields) => {
    if (!enabled(at)) return
    const line = Effect.logWithLevel(EFFECT_LEVEL[at])(message)
    Effect.runSync(
      (fields === undefined ? line : Effect.annotateLogs(line, dropUndefined(fields))).pipe(
        Effect.provideService(Logger.CurrentLoggers, loggers),
        Effect.provideService(References.MinimumLogLevel, minimum),
      ),
    )
  }
  return {
    format,
    level,
    enabled,
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  }
}

const envSecrets = (): string[] => {
  const password = process.env.TETHER_SERVER_PASSWORD
  return password === undefined ? [] : [password]
}

const dropUndefined = (fields: LogFields): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value
  return out
}

// Messages kept from before the structured log start with "tether: "; the pretty format adds it once.
const PREFIX = "tether: "

const formatLine = (
  format: LogFormat,
  date: Date,
  level: string,
  message: string,
  fields: Record<string, unknown>,
): string => {
  const text = message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message
  if (format === "json") {
    return JSON.stringify({ time: date.toISOString(), level, message: text, ...fields })
  }
  let line = `${date.toISOString()} ${level.toUpperCase().padEnd(5)} ${PREFIX}${text}`
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${prettyValue(value)}`
  return line
}

const prettyValue = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value)
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)
}

const REDACTED = "[redacted]"

/**
 * Removes secrets from a finished line: each of `secrets` (raw and as JSON would escape it), any
 * `token=` value, and the credentials of `Bearer` / `Basic` authorizations.
 *
 * @example
 * ```ts
 * import { redact } from "./log.ts"
 * redact("GET /global/event?token=hunter2 Authorization: Bearer hunter2", ["hunter2"])
 * // "GET /global/event?token=[redacted] Authorization: Bearer [redacted]"
 * ```
 */
export const redact = (line: string, secrets: readonly string[]): string => {
  let out = line
  for (const secret of secrets) {
    if (secret.length === 0) continue
    out = out.split(secret).join(REDACTED)
    const escaped = JSON.stringify(secret).slice(1, -1)
    if (escaped !== secret) out = out.split(escaped).join(REDACTED)
  }
  return out
    .replace(/([?&]token=)[^&\s"\\]+/gi, `$1${REDACTED}`)
    .replace(/\b(Bearer|Basic) +[^\s"\\,]+/gi, `$1 ${REDACTED}`)
}
