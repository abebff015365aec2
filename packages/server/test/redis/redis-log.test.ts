/**
 * The Redis log's scripts against a real Redis, in process: concurrent appends from two instances get
 * gapless, distinct ids; a flushed script cache is reloaded (`NOSCRIPT`); a Redis whose counter went back
 * below what an instance saw (a restore from an older state) starts a new generation.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { Effect } from "effect"
import type { EventLogShape } from "../../src/event/log-shape.ts"
import { formatRedisId } from "../../src/event/redis-id.ts"
import { openRedisLog } from "../../src/event/redis-log.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"

let redis: RedisServer
const opened: { close: () => Promise<void> }[] = []

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await Promise.all(opened.map((log) => log.close()))
  await redis.stop()
})

const open = async (): Promise<EventLogShape> => {
  const log = await openRedisLog({ url: redis.url, retention: () => 1000, warn: () => {} })
  opened.push(log)
  return log.shape
}

const append = (log: EventLogShape, n: number) =>
  Effect.runPromise(log.append({ type: "t", time: 1, properties: JSON.stringify({ n }) }))

const parts = (id: string) => ({
  generation: id.slice(0, id.lastIndexOf("-")),
  seq: Number(id.slice(id.lastIndexOf("-") + 1)),
})

test("appends from two instances at once get distinct, gapless ids of one generation", async () => {
  const [a, b] = [await open(), await open()]
  const ids = (await Promise.all(Array.from({ length: 40 }, (_, n) => append(n % 2 === 0 ? a : b, n)))).map(
    (event) => parts(event.id),
  )
  expect(new Set(ids.map((id) => id.generation)).size).toBe(1)
  expect(ids.map((id) => id.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
  // The stream holds them in sequence order, readable from either instance.
  const read = await Effect.runPromise(b.readAfter(formatRedisId(ids[0]?.generation as string, 0), 100))
  expect(read.map((event) => parts(event.id).seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
})

test("a flushed script cache is loaded again, and the append happens once", async () => {
  const log = await open()
  const before = parts((await append(log, 0)).id)
  expect(await redis.cli("SCRIPT", "FLUSH")).toBe("OK")
  const after = parts((await append(log, 1)).id)
  expect(after).toEqual({ generation: before.generation, seq: before.seq + 1 })
})

test("a counter below what this instance saw (Redis went back) starts a new generation", async () => {
  const log = await open()
  const last = parts((await append(log, 0)).id)
  // What a restore from an older snapshot looks like: the newest entries and counter are gone.
  const back = last.seq - 3
  await redis.cli("XTRIM", "{tether}:events", "MAXLEN", "0")
  expect(await redis.cli("HSET", "{tether}:meta", "seq", String(back))).toBe("0")
  const next = parts((await append(log, 1)).id)
  expect(next.generation).not.toBe(last.generation)
  expect(next.seq).toBe(1)
  // A client holding an id of the old generation resyncs.
  const point = await Effect.runPromise(log.resume(formatRedisId(last.generation, back)))
  expect(point._tag).toBe("Resync")
})

test("the newest id and a resume point asked together read the log's state once; asked in turn, twice", async () => {
  const log = await open()
  const last = await append(log, 0)
  const scriptCalls = async () =>
    Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.cli("INFO", "commandstats"))?.[1])
  const before = await scriptCalls()
  const [newest, point] = await Effect.runPromise(
    Effect.all([log.newest, log.resume(last.id)], { concurrency: 2 }),
  )
  expect(newest).toBe(last.id)
  expect(point).toEqual({ _tag: "Replay", after: last.id })
  expect(await scriptCalls()).toBe(before + 1)
  // A read asked after another was sent is its own: it must see what was appended in between.
  expect(await Effect.runPromise(log.newest)).toBe(last.id)
  const next = await append(log, 1)
  expect(await Effect.runPromise(log.newest)).toBe(next.id)
  expect(await scriptCalls()).toBe(before + 4)
})
