/**
 * Ids of the Redis log: `<generation>-<sequence>`, e.g. `3f9a0c1b2d4e-0000000000000042`.
 *
 * The generation is a random epoch chosen when a log starts (or starts again after Redis lost its
 * history); the sequence counts that generation's events from 1 without a gap (`HINCRBY` in the
 * append script). Nothing comes from an instance's clock, so two instances can never mint the same id
 * or an out-of-order one. The sequence is zero-padded to 16 digits, like the SQLite log's ids, so ids
 * of one generation also sort as strings (clients treat ids as opaque, but a human or a tool sorting
 * them gets the delivery order). Ids of two generations are not comparable in time: a client holding
 * the other one gets `server.resync`.
 *
 * @module
 */

/** A parsed id. */
export interface RedisLogId {
  readonly generation: string
  readonly seq: number
}

const WIDTH = 16
const PATTERN = /^([0-9a-f]{12})-(\d{16})$/

/**
 * A fresh random generation: 12 lowercase hex digits (48 bits).
 *
 * @example
 * ```ts
 * import { newGeneration } from "./redis-id.ts"
 * newGeneration().length // 12
 * ```
 */
export const newGeneration = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(6))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
}

/**
 * `("3f9a0c1b2d4e", 42)` → `"3f9a0c1b2d4e-0000000000000042"`.
 *
 * @example
 * ```ts
 * import { formatRedisId } from "./redis-id.ts"
 * formatRedisId("3f9a0c1b2d4e", 42) // "3f9a0c1b2d4e-0000000000000042"
 * ```
 */
export const formatRedisId = (generation: string, seq: number): string =>
  `${generation}-${String(seq).padStart(WIDTH, "0")}`

/**
 * The parts of an id, or `null` when the text is not an id of this log kind (garbage, a SQLite id).
 *
 * @example
 * ```ts
 * import { parseRedisId } from "./redis-id.ts"
 * parseRedisId("3f9a0c1b2d4e-0000000000000042") // { generation: "3f9a0c1b2d4e", seq: 42 }
 * parseRedisId("0000000000000042") // null
 * ```
 */
export const parseRedisId = (id: string): RedisLogId | null => {
  const match = PATTERN.exec(id)
  if (match === null) return null
  const seq = Number(match[2])
  return Number.isSafeInteger(seq) ? { generation: match[1] as string, seq } : null
}

/**
 * Orders two ids: plain string order, which is sequence order within a generation (fixed width); two
 * generations order consistently but meaninglessly (the fan-out ends the streams of an old generation,
 * so live delivery never compares across generations).
 *
 * @example
 * ```ts
 * import { compareRedisIds } from "./redis-id.ts"
 * compareRedisIds("3f9a0c1b2d4e-0000000000000009", "3f9a0c1b2d4e-0000000000000010") < 0 // true
 * ```
 */
export const compareRedisIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
