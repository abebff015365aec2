/**
 * Ids of the Redis log: `<generation>-<sequence>`, e.g. `3f9a0c1b2d4e-42`.
 *
 * The generation is a random epoch chosen when a log starts (or restarts after Redis lost its
 * history); the sequence counts that generation's events from 1 without a gap (`HINCRBY` in the
 * append script). Nothing comes from an instance's clock, so two instances can never mint the same id
 * or an out-of-order one. Ids of one generation are ordered by sequence; ids of two generations are
 * not comparable in time (a client holding the other one gets `server.resync`), so `compare` merely
 * orders them consistently.
 *
 * @module
 */

/** A parsed id. */
export interface RedisLogId {
  readonly generation: string
  readonly seq: number
}

const PATTERN = /^([0-9a-f]{12})-(0|[1-9][0-9]{0,15})$/

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
 * `("3f9a0c1b2d4e", 42)` → `"3f9a0c1b2d4e-42"`.
 *
 * @example
 * ```ts
 * import { formatRedisId } from "./redis-id.ts"
 * formatRedisId("3f9a0c1b2d4e", 42) // "3f9a0c1b2d4e-42"
 * ```
 */
export const formatRedisId = (generation: string, seq: number): string => `${generation}-${seq}`

/**
 * The parts of an id, or `null` when the text is not an id of this log kind (garbage, a SQLite id).
 *
 * @example
 * ```ts
 * import { parseRedisId } from "./redis-id.ts"
 * parseRedisId("3f9a0c1b2d4e-42") // { generation: "3f9a0c1b2d4e", seq: 42 }
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
 * Orders two ids: by sequence within a generation; two generations by their text (consistent, not
 * meaningful: the fan-out ends every stream when the generation changes, so live delivery never
 * compares across generations).
 *
 * @example
 * ```ts
 * import { compareRedisIds } from "./redis-id.ts"
 * compareRedisIds("3f9a0c1b2d4e-9", "3f9a0c1b2d4e-10") < 0 // true
 * ```
 */
export const compareRedisIds = (a: string, b: string): number => {
  // The hub calls this once per connection per fan-out: string slicing, no regex, no allocation of a parse.
  const i = a.lastIndexOf("-")
  const j = b.lastIndexOf("-")
  if (i === j && i > 0 && a.startsWith(b.slice(0, j + 1))) {
    const x = Number(a.slice(i + 1))
    const y = Number(b.slice(j + 1))
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y
  }
  return a < b ? -1 : a > b ? 1 : 0
}
