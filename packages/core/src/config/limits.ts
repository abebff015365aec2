/**
 * Ranges that UIs need without the schema: kept apart from `schema.ts` so that a browser bundle
 * importing only these does not pull in zod (the app's bundle halves with it).
 *
 * @module
 */

/**
 * Range and default of `server.event_stream.heartbeat_ms`, in milliseconds.
 *
 * @example
 * ```ts
 * import { HEARTBEAT_MS } from "@tether/core"
 * console.log(HEARTBEAT_MS) // { min: 1000, max: 60000, default: 10000 }
 * ```
 */
export const HEARTBEAT_MS = { min: 1000, max: 60_000, default: 10_000 } as const
