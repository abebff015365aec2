/**
 * Scenario 1 of issue 12: a client reads k events from instance A, events are then published through
 * B and C, and the client resumes on C with `Last-Event-ID`: it gets exactly k+1…newest, then live
 * events; live clients on A, B and C see the identical order.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { publish, startInstances } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"
import { connectSse, type SseConnection, type SseEvent } from "../helpers/sse.ts"

let redis: RedisServer
let instances: ServerProcess[]

beforeAll(async () => {
  redis = await startRedis()
  instances = await startInstances(redis, 3)
})

afterAll(async () => {
  await killAll()
  await redis.stop()
})

const durable = async (stream: SseConnection, count: number): Promise<SseEvent[]> => {
  const out: SseEvent[] = []
  while (out.length < count) {
    const event = await stream.next(15_000)
    if (event === null) throw new Error(`stream ended after ${out.length} of ${count} events`)
    if (event.type === "server.resync") throw new Error("unexpected server.resync")
    if (event.id !== null) out.push(event)
  }
  return out
}

test("a client resumes on another instance with exactly the events it missed, then live, in the same order everywhere", async () => {
  const [a, b, c] = instances as [ServerProcess, ServerProcess, ServerProcess]
  const watchers = await Promise.all(instances.map((instance) => connectSse(instance.url)))
  for (const watcher of watchers) expect((await watcher.next())?.type).toBe("server.connected")

  const client = await connectSse(a.url)
  expect((await client.next())?.type).toBe("server.connected")
  const k = 5
  for (let i = 0; i < k; i++) expect((await publish(a.url, "step", { i })).status).toBe(202)
  const seen = await durable(client, k)
  client.close()

  // Missed while away: published through B and C, interleaved.
  const missed: string[] = []
  for (let i = 0; i < 6; i++) {
    const sent = await publish(i % 2 === 0 ? b.url : c.url, "missed", { i })
    expect(sent.status).toBe(202)
    missed.push(sent.id as string)
  }

  const resumed = await connectSse(c.url, { lastEventId: (seen[k - 1] as SseEvent).id as string })
  const connected = await resumed.next()
  expect(connected?.type).toBe("server.connected")
  expect(connected?.properties.last_event_id).toBe(missed[missed.length - 1])
  const replayed = await durable(resumed, missed.length)
  expect(replayed.map((e) => e.id)).toEqual(missed)

  // Live after the replay: concurrent publishes through all three instances.
  const live = await Promise.all(
    Array.from({ length: 9 }, (_, i) => publish((instances[i % 3] as ServerProcess).url, "live", { i })),
  )
  for (const sent of live) expect(sent.status).toBe(202)
  const liveIds = live.map((sent) => sent.id as string)
  const afterResume = await durable(resumed, liveIds.length)
  expect(new Set(afterResume.map((e) => e.id))).toEqual(new Set(liveIds))
  resumed.close()

  // Every instance delivered the same events in the same order.
  const total = k + missed.length + liveIds.length
  const orders = await Promise.all(
    watchers.map(async (watcher) => (await durable(watcher, total)).map((e) => e.id)),
  )
  expect(orders[1]).toEqual(orders[0] as string[])
  expect(orders[2]).toEqual(orders[0] as string[])
  expect((orders[0] as string[]).slice(k, k + missed.length)).toEqual(missed)
  expect((orders[0] as (string | null)[]).slice(k + missed.length)).toEqual(afterResume.map((e) => e.id))
  for (const watcher of watchers) watcher.close()
}, 60_000)
