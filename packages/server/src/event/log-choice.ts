/**
 * Which event log `tether serve` opens: `--event-log` over `server.event_log.kind`; the Redis URL from
 * `--redis-url`, else `TETHER_REDIS_URL`, else `server.event_log.redis_url`.
 *
 * @module
 */
import { type Config, REDIS_URL_PATTERN } from "@tether/core"
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
  if (flagUrl !== undefined && !URL_SHAPE.test(flagUrl)) return `--redis-url: ${EXPECTED}, got "${flagUrl}"`
  const envUrl = inputs.envUrl === "" ? undefined : inputs.envUrl
  if (envUrl !== undefined && !URL_SHAPE.test(envUrl)) return `TETHER_REDIS_URL: ${EXPECTED}, got "${envUrl}"`
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
