/**
 * The Redis connections of the Redis log, set up so that a failure is an error, never a wait or a
 * repeat: commands fail at once while disconnected (no offline queue), a command in flight when the
 * connection drops is failed, not sent again (an append sent twice would store the event twice), and
 * every command has a deadline (a `SIGSTOP`ped or partitioned Redis keeps the socket open and never
 * answers). ioredis reconnects in the background with a capped backoff. Messages name the URL through
 * `redactRedisUrl` (`@tether/core`), never as given.
 *
 * @module
 */
import Redis from "ioredis"
import type { LuaScript } from "./redis-scripts.ts"

/** How long a command may take before it fails, in ms (the store is then called unreachable). */
export const COMMAND_TIMEOUT_MS = 2000

/**
 * Whether a failed command was sent but never answered: its deadline passed (`Command timed out`) or
 * the connection dropped while it waited (ioredis's `MaxRetriesPerRequestError`, since nothing is sent
 * again). Redis may have run it. A command refused before it was sent (disconnected, no offline queue)
 * did not run.
 *
 * @example
 * ```ts
 * import { unanswered } from "./redis-connection.ts"
 * unanswered(new Error("Command timed out")) // true
 * ```
 */
export const unanswered = (error: unknown): boolean =>
  error instanceof Error &&
  (error.message === "Command timed out" || error.name === "MaxRetriesPerRequestError")

/** The reconnect delay after `times` failed attempts: 50 ms doubling, capped at 2 s. */
export const reconnectDelay = (times: number): number => Math.min(50 * 2 ** Math.max(0, times - 1), 2000)

/**
 * A connection with the settings above; it connects when `connect()` is called.
 *
 * @example
 * ```ts
 * import { redisConnection } from "./redis-connection.ts"
 * const redis = redisConnection("redis://127.0.0.1:6379", 2000)
 * await redis.connect()
 * ```
 */
export const redisConnection = (url: string, commandTimeout: number): Redis =>
  new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
  })

/**
 * Runs a script by its SHA1 (`EVALSHA`); when Redis answers `NOSCRIPT` (restarted, `SCRIPT FLUSH`,
 * failed over) it loads the script again and runs it once more. `NOSCRIPT` means it did not run, so
 * the retry cannot apply a publish twice.
 *
 * @example
 * ```ts
 * import { redisConnection, runScript } from "./redis-connection.ts"
 * import { luaScript, STATE } from "./redis-scripts.ts"
 * const redis = redisConnection("redis://127.0.0.1:6379", 2000)
 * await runScript(redis, luaScript(STATE), ["{tether}:meta", "{tether}:events"], ["abcdefabcdef", "", "0", "", "", ""])
 * ```
 */
export const runScript = async (
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> => {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error
    await redis.script("LOAD", script.source)
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  }
}
