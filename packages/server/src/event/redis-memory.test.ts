import { describe, expect, test } from "bun:test"
import { evictingPolicy, redisRoom } from "./redis-memory.ts"

const info = (fields: Record<string, string | number>) =>
  `# Memory\r\n${Object.entries(fields)
    .map(([key, value]) => `${key}:${value}`)
    .join("\r\n")}\r\n`

describe("redisRoom", () => {
  test("bytes left under maxmemory with noeviction, negative past it", () => {
    expect(
      redisRoom(info({ used_memory: 900_000, maxmemory: 1_048_576, maxmemory_policy: "noeviction" })),
    ).toBe(148_576)
    expect(
      redisRoom(info({ used_memory: 2_000_000, maxmemory: 1_048_576, maxmemory_policy: "noeviction" })),
    ).toBe(-951_424)
  })

  test("no limit, an eviction policy or an unreadable answer: null (Redis makes room or says nothing)", () => {
    expect(redisRoom(info({ used_memory: 900_000, maxmemory: 0, maxmemory_policy: "noeviction" }))).toBeNull()
    expect(
      redisRoom(info({ used_memory: 900_000, maxmemory: 1_048_576, maxmemory_policy: "allkeys-lru" })),
    ).toBeNull()
    expect(redisRoom(info({ maxmemory: 1_048_576, maxmemory_policy: "noeviction" }))).toBeNull()
    expect(redisRoom("")).toBeNull()
  })

  test("used_memory is not mistaken for used_memory_human or maxmemory for maxmemory_human", () => {
    const text = info({
      used_memory: 1_000_000,
      used_memory_human: "976.56K",
      maxmemory: 2_000_000,
      maxmemory_human: "1.91M",
      maxmemory_policy: "noeviction",
    })
    expect(redisRoom(text)).toBe(1_000_000)
  })
})

describe("evictingPolicy", () => {
  test("allkeys-* under a maxmemory may evict the log's keys", () => {
    for (const policy of ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
      expect(evictingPolicy(info({ maxmemory: 104_857_600, maxmemory_policy: policy }))).toBe(policy)
  })

  test("noeviction, volatile-* (the log's keys never expire) or no maxmemory: null", () => {
    for (const policy of ["noeviction", "volatile-lru", "volatile-ttl"])
      expect(evictingPolicy(info({ maxmemory: 104_857_600, maxmemory_policy: policy }))).toBeNull()
    expect(evictingPolicy(info({ maxmemory: 0, maxmemory_policy: "allkeys-lru" }))).toBeNull()
    expect(evictingPolicy("")).toBeNull()
  })
})
