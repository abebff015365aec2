/**
 * Scenario 4 of issue 12: ids the shared log cannot replay from, and a `FLUSHALL` during open streams.
 * Each affected client gets exactly one `server.resync`, never a silent skip; an id right before the
 * first entry Redis actually kept (`MAXLEN ~` keeps more than asked) still replays.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { IdSubscriber, sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish, redisId, seqOf, startInstances } from "../helpers/instances.ts"
import { delta, type Samples, scrape } from "../helpers/metrics.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"
import { connectSse, type SseEvent } from "../helpers/sse.ts"

let redis: RedisServer
let instances: ServerProcess[]

beforeAll(async () => {
  redis = await startRedis()
  instances = await startInstances(redis, 2, {
    config: { server: { event_stream: { retention_events: 10, heartbeat_ms: 1000 } } },
  })
})

afterAll(async () => {
  await killAll()
  await redis.stop()
})

const generationOf = (id: string) => id.slice(0, id.lastIndexOf("-"))

/** Opens a stream resuming from `lastEventId`, publishes one live event, returns what came before it. */
const resumeAndGoLive = async (url: string, lastEventId: string): Promise<SseEvent[]> => {
  const stream = await connectSse(url, { lastEventId })
  try {
    const first = await stream.next()
    expect(first?.type).toBe("server.connected")
    const before: SseEvent[] = [first as SseEvent]
    // Everything the server sends for the resume comes before the live event published now.
    const live = await publish((instances[1] as ServerProcess).url, "live")
    before.push(...(await stream.until((event) => event.id === live.id)))
    return before
  } finally {
    stream.close()
  }
}

describe("ids that cannot be replayed", () => {
  let generation = ""
  let first = 0
  let newest = 0

  beforeAll(async () => {
    const a = (instances[0] as ServerProcess).url
    let last = ""
    for (let batch = 0; batch < 35; batch++) {
      const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => publish(a, "fill", { batch, i })))
      for (const one of sent) expect(one.status).toBe(202)
      last = sent.map((one) => one.id as string).sort((x, y) => seqOf(x) - seqOf(y))[9] as string
    }
    generation = generationOf(last)
    newest = seqOf(last)
    const head = await redis.cli("XRANGE", "{tether}:events", "-", "+", "COUNT", "1")
    first = Number(/^\d+-(\d+)$/m.exec(head)?.[1])
    // `~` trimming kept more than the 10 asked for, and dropped the oldest.
    expect(first).toBeGreaterThan(1)
    expect(newest - first + 1).toBeGreaterThan(10)
  })

  test("an id right before the first entry kept replays from that entry, with no resync", async () => {
    const events = await resumeAndGoLive((instances[1] as ServerProcess).url, redisId(generation, first - 1))
    expect(events.filter((event) => event.type === "server.resync")).toEqual([])
    const ids = events.filter((event) => event.id !== null).map((event) => event.id)
    expect(ids[0]).toBe(redisId(generation, first))
    expect(sequenceProblems(ids as string[])).toEqual([])
  })

  test.each([
    ["trimmed (older than the first entry actually kept)", () => redisId(generation, first - 2)],
    ["garbage", () => "garbage"],
    ["a SQLite id", () => "0000000000000042"],
    ["in the future", () => redisId(generation, newest + 1000)],
    ["of another generation", () => redisId("000000000000", first)],
  ])("an id %s gets exactly one server.resync naming the oldest kept, then live events", async (_, id) => {
    const requested = id()
    const events = await resumeAndGoLive((instances[0] as ServerProcess).url, requested)
    const resyncs = events.filter((event) => event.type === "server.resync")
    expect(resyncs.map((event) => event.properties)).toEqual([
      { requested, oldest: redisId(generation, first) },
    ])
    // Nothing replayed: only the live event carries an id.
    expect(events.filter((event) => event.id !== null)).toHaveLength(1)
  })
})

test("FLUSHALL during open streams: each client gets exactly one server.resync, then the new generation", async () => {
  const [a, b] = instances as [ServerProcess, ServerProcess]
  const subscribers = [a, a, b, b].map((instance) => new IdSubscriber({ pick: () => instance.url }))
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)
  const before = await publish(a.url, "before")
  for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === before.id, 15_000)

  const scrapeAll = () => Promise.all([a, b].map((instance) => scrape(instance.url)))
  const metricsBefore = await scrapeAll()
  expect(await redis.cli("FLUSHALL")).toBe("OK")
  // Published into the new generation while the streams still stand in the old one.
  const after = [await publish(b.url, "after", { n: 1 }), await publish(a.url, "after", { n: 2 })]
  for (const sent of after) expect(sent.status).toBe(202)
  const newGeneration = generationOf(after[0]?.id as string)
  expect(newGeneration).not.toBe(generationOf(before.id as string))
  expect(after.map((sent) => seqOf(sent.id as string))).toEqual([1, 2])

  // Each client resumes with its old id and is told to refetch; what follows is the new generation.
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.resyncs > 0, 15_000)
  const live = await publish(b.url, "live")
  for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === live.id, 15_000)
  // Long enough for every reader to verify the generation again (about once a second): no second resync.
  await Bun.sleep(2500)
  const more = await publish(a.url, "more")
  for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === more.id, 15_000)
  // Each of the four streams was ended once so that it resumes, and counted so: not as a shutdown.
  const metricsAfter = await scrapeAll()
  const ended = (reason: string) =>
    [0, 1].reduce(
      (sum, i) =>
        sum +
        delta(
          metricsBefore[i] as Samples,
          metricsAfter[i] as Samples,
          `tether_stream_disconnects_total{reason="${reason}"}`,
        ),
      0,
    )
  expect(ended("resume")).toBe(4)
  expect(ended("shutdown")).toBe(0)
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()))
  for (const subscriber of subscribers) {
    expect(subscriber.resyncs).toBe(1)
    const fresh = subscriber.ids.filter((id) => generationOf(id) === newGeneration)
    expect(fresh.slice(-2)).toEqual([live.id as string, more.id as string])
    expect(sequenceProblems(subscriber.ids)).toEqual([])
  }
}, 60_000)
