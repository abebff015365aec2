/**
 * The event stream's timing contract: how often the server sends a heartbeat, what `retry:` it
 * announces, and how long a client waits in silence before it calls a connection dead.
 *
 * @module
 */

/**
 * Range and default of `server.event_stream.heartbeat_ms`, in milliseconds.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_MS } from "@tether/core/wire"
 * console.log(HEARTBEAT_MS) // { min: 1000, max: 60000, default: 10000 }
 * ```
 */
export const HEARTBEAT_MS = { min: 1000, max: 60_000, default: 10_000 } as const

/**
 * The `retry:` the server sends first on every stream, in milliseconds: the base reconnect delay, which
 * is also the SDK's default `backoff.baseMs`.
 *
 * @example
 * ```ts
 * import { DEFAULT_RETRY_MS } from "@tether/core/wire"
 * const firstFrame = `retry: ${DEFAULT_RETRY_MS}\n\n` // "retry: 500\n\n"
 * ```
 */
export const DEFAULT_RETRY_MS = 500

/**
 * The stale limit as a multiple of the heartbeat interval: two heartbeats may be late, the third may not.
 * A client that heard nothing for `STALE_HEARTBEATS × heartbeat_ms` drops the connection and resumes.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_MS, STALE_HEARTBEATS } from "@tether/core/wire"
 * const staleAfterMs = STALE_HEARTBEATS * HEARTBEAT_MS.default // 25000
 * ```
 */
export const STALE_HEARTBEATS = 2.5
