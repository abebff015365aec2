/**
 * How much room a Redis at `maxmemory` has left for the log, read from `INFO memory`. With
 * `noeviction` a full Redis refuses every write (`OOM command not allowed …`), yet a small probe write
 * can still pass while a normal publish no longer fits: readiness then said 200 to a store that refused
 * publishes. The Redis log's probe fails below the same room the SQLite log asks of its disk.
 *
 * An `allkeys-*` policy instead makes room by evicting any key, the log's own among them: it then loses
 * entries or its generation, and every client resyncs. The log warns of it when it opens.
 *
 * @module
 */

const field = (info: string, name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1]

/**
 * Bytes left under `maxmemory`, or `null` when Redis makes room by itself or has no limit (`maxmemory`
 * 0, or an eviction policy: writes then succeed by evicting keys).
 *
 * @example
 * ```ts
 * import { redisRoom } from "./redis-memory.ts"
 * redisRoom("used_memory:900000\r\nmaxmemory:1048576\r\nmaxmemory_policy:noeviction\r\n") // 148576
 * redisRoom("used_memory:900000\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n") // null
 * ```
 */
export const redisRoom = (info: string): number | null => {
  const max = Number(field(info, "maxmemory"))
  const used = Number(field(info, "used_memory"))
  if (!(max > 0) || !Number.isFinite(used) || field(info, "maxmemory_policy") !== "noeviction") return null
  return max - used
}

/**
 * The policy, when Redis has a `maxmemory` and may evict the log's keys to stay under it
 * (`allkeys-*`; `volatile-*` evicts only keys with a time to live, which the log's have not); else
 * `null`.
 *
 * @example
 * ```ts
 * import { evictingPolicy } from "./redis-memory.ts"
 * evictingPolicy("maxmemory:104857600\r\nmaxmemory_policy:allkeys-lru\r\n") // "allkeys-lru"
 * evictingPolicy("maxmemory:104857600\r\nmaxmemory_policy:noeviction\r\n") // null
 * ```
 */
export const evictingPolicy = (info: string): string | null => {
  const policy = field(info, "maxmemory_policy")
  return Number(field(info, "maxmemory")) > 0 && policy?.startsWith("allkeys-") === true ? policy : null
}
