/**
 * How much room a Redis at `maxmemory` has left for the log, read from `INFO memory`. With
 * `noeviction` a full Redis refuses every write (`OOM command not allowed …`), yet a small probe write
 * can still pass while a normal publish no longer fits: readiness then said 200 to a store that refused
 * publishes. The Redis log's probe fails below the same room the SQLite log asks of its disk.
 *
 * @module
 */

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
  const field = (name: string) => new RegExp(`^${name}:(\\S+)`, "m").exec(info)?.[1]
  const max = Number(field("maxmemory"))
  const used = Number(field("used_memory"))
  if (!(max > 0) || !Number.isFinite(used) || field("maxmemory_policy") !== "noeviction") return null
  return max - used
}
