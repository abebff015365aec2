/**
 * Which event log `tether serve` opens: `--event-log` over `server.event_log.kind`; the Redis URL from
 * `--redis-url`, else `TETHER_REDIS_URL`, else `server.event_log.redis_url`. A URL quoted in a message has
 * its credentials hidden.
 *
 * @module
 */
import { type Config, REDIS_URL_PATTERN, redactRedisUrl } from "@tether/core"
import type { EventLogKind } from "./log.ts"

/** The log to open. */
export interface EventLogChoice {
  readonly kind: EventLogKind
  /** Set when `kind` is `redis`. */
  readonly redisUrl?: string
}

/** What the choice is made from. */
export interface EventLogInputs {
  /** `--event-log`, as given. */
  readonly flagKind?: string | undefined
  /** `--redis-url`, as given. */
  readonly flagUrl?: string | undefined
  /** `TETHER_REDIS_URL` (empty counts as unset). */
  readonly envUrl?: string | undefined
  readonly config: Config
}

const KINDS: readonly string[] = ["sqlite", "memory", "redis"]
const URL_SHAPE = new RegExp(REDIS_URL_PATTERN)
const EXPECTED = 'expected redis://HOST:PORT[/DB] (rediss:// for TLS), e.g. "redis://127.0.0.1:6379/0"'

/**
 * Chooses the log, or returns the message that says what is wrong (which flag or variable, the value,
 * what was expected).
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { chooseEventLog } from "./log-choice.ts"
 * chooseEventLog({ flagKind: "redis", flagUrl: "redis://127.0.0.1:6379", config: defaultConfig() })
 * // { kind: "redis", redisUrl: "redis://127.0.0.1:6379" }
 * ```
 */
export const chooseEventLog = (inputs: EventLogInputs): EventLogChoice | string => {
  const { flagKind, flagUrl } = inputs
  if (flagKind !== undefined && !KINDS.includes(flagKind))
    return `--event-log expects sqlite, memory or redis, got "${flagKind}"`
  if (flagUrl !== undefined && !URL_SHAPE.test(flagUrl))
    return `--redis-url: ${EXPECTED}, got "${redactRedisUrl(flagUrl)}"`
  const envUrl = inputs.envUrl === "" ? undefined : inputs.envUrl
  if (envUrl !== undefined && !URL_SHAPE.test(envUrl))
    return `TETHER_REDIS_URL: ${EXPECTED}, got "${redactRedisUrl(envUrl)}"`
  const kind = (flagKind ?? inputs.config.server.event_log.kind) as EventLogKind
  const redisUrl = flagUrl ?? envUrl ?? inputs.config.server.event_log.redis_url
  if (kind !== "redis") {
    if (flagUrl !== undefined)
      return `--redis-url is used only with the redis event log (--event-log redis), not ${kind}`
    return { kind }
  }
  if (redisUrl === undefined)
    return "the redis event log needs a Redis URL: --redis-url redis://HOST:PORT[/DB], TETHER_REDIS_URL, or server.event_log.redis_url in the config file"
  return { kind, redisUrl }
}

/**
 * The config with `server.event_log` saying what is in force: the chosen kind, and the Redis URL in
 * use with its credentials hidden (for another kind, the file's URL, hidden too). The live config
 * holds this, so `GET /global/config`, PATCH answers and `config.updated` show the log the server runs
 * on (as they show the port taken under `--port 0`), and the password is nowhere in them.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { withEventLogInForce } from "./log-choice.ts"
 * withEventLogInForce(defaultConfig(), { kind: "redis", redisUrl: "redis://:hunter2@127.0.0.1:6379" }).server.event_log
 * // { kind: "redis", redis_url: "redis://***@127.0.0.1:6379" }
 * ```
 */
export const withEventLogInForce = (config: Config, choice: EventLogChoice): Config => {
  const url = choice.redisUrl ?? config.server.event_log.redis_url
  const eventLog: Config["server"]["event_log"] =
    url === undefined ? { kind: choice.kind } : { kind: choice.kind, redis_url: redactRedisUrl(url) }
  return { ...config, server: { ...config.server, event_log: eventLog } }
}
