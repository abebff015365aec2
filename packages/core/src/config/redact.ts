/**
 * Credentials in `server.event_log.redis_url` stay in the server process: every config and message
 * that goes out (`GET /global/config`, `config.updated`, log lines, error messages) carries the URL
 * with its `user:password@` replaced by `***@`.
 *
 * @module
 */
import type { Config } from "../wire/config.ts"

/** What stands for the credentials of a Redis URL that goes out. */
export const REDACTED_CREDENTIALS = "***"

/**
 * `redis://user:secret@host:6379/0` → `redis://***@host:6379/0`. Everything between the scheme and the
 * last `@` goes, so a URL refused for its form (a `/` or a space in the password) is hidden too; a
 * URL without credentials comes back as it is. The result of a valid URL is still a valid URL.
 *
 * @example
 * ```ts
 * import { redactRedisUrl } from "@tether/core"
 * redactRedisUrl("redis://:hunter2@127.0.0.1:6379") // "redis://***@127.0.0.1:6379"
 * redactRedisUrl("redis://127.0.0.1:6379/2") // "redis://127.0.0.1:6379/2"
 * ```
 */
export const redactRedisUrl = (url: string): string => {
  const at = url.lastIndexOf("@")
  if (at === -1) return url
  const scheme = url.indexOf("://")
  const start = scheme !== -1 && scheme < at ? scheme + 3 : 0
  return `${url.slice(0, start)}${REDACTED_CREDENTIALS}${url.slice(at)}`
}

/**
 * Whether `url` has its credentials hidden (as {@link redactRedisUrl} hides them).
 *
 * @example
 * ```ts
 * import { isRedactedRedisUrl } from "@tether/core"
 * isRedactedRedisUrl("redis://***@127.0.0.1:6379") // true
 * isRedactedRedisUrl("redis://:hunter2@127.0.0.1:6379") // false
 * ```
 */
export const isRedactedRedisUrl = (url: string): boolean => url.includes(`://${REDACTED_CREDENTIALS}@`)

/**
 * The config as it may leave the process: `server.event_log.redis_url` redacted, the rest unchanged
 * (the same object when there is nothing to hide).
 *
 * @example
 * ```ts
 * import { defaultConfig, redactConfig } from "@tether/core"
 * const config = defaultConfig()
 * const shown = redactConfig({
 *   ...config,
 *   server: { ...config.server, event_log: { kind: "redis", redis_url: "redis://:hunter2@127.0.0.1:6379" } },
 * })
 * shown.server.event_log.redis_url // "redis://***@127.0.0.1:6379"
 * ```
 */
export const redactConfig = <C extends Config>(config: C): C => {
  const url = config.server.event_log.redis_url
  if (url === undefined || redactRedisUrl(url) === url) return config
  return {
    ...config,
    server: { ...config.server, event_log: { ...config.server.event_log, redis_url: redactRedisUrl(url) } },
  }
}
