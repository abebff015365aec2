/**
 * Scenario 5 of issue 12: Redis stops answering (`SIGSTOP`), then restarts (with an append-only file).
 * Publishes during the outage fail loudly (503 `EventLogError`, never a 2xx for an event not stored);
 * readiness goes 503 and back to 200; open streams keep their heartbeats; afterwards every
 * acknowledged event is delivered once, with no hole and no resync (nothing was lost).
 */
import { afterAll, expect, test } from "bun:test"
import { IdSubscriber, sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish, seqOf, startInstances, waitReady } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"

let redis: RedisServer | undefined

afterAll(async () => {
  await killAll()
  await redis?.stop()
})

test("a Redis outage and restart: loud failures, 503 readiness, heartbeats on, every acknowledged event once", async () => {
  redis = await startRedis({ aof: true })
  const server = redis
  const instances = await startInstances(server, 2, {
    config: { server: { event_stream: { heartbeat_ms: 1000 } } },
  })
  const [a, b] = instances as [ServerProcess, ServerProcess]
  const subscribers = instances.map((instance) => new IdSubscriber({ pick: () => instance.url }))
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)

  const acked: string[] = []
  const refused: { status: number; body: string }[] = []
  let stopped = false
  const publisher = async (instance: ServerProcess, n: number) => {
    for (let i = 0; !stopped && i < 100_000; i++) {
      const sent = await publish(instance.url, "tick", { n, i })
      if (sent.id !== null) acked.push(sent.id)
      else {
        refused.push({ status: sent.status, body: sent.body })
        await Bun.sleep(50)
      }
      await Bun.sleep(5)
    }
  }
  const publishers = [publisher(a, 0), publisher(b, 1)]
  await Bun.sleep(1000)
  expect(refused).toEqual([])

  // Frozen: the socket stays open, nothing answers.
  server.pause()
  const heartbeatsAtPause = subscribers.map((subscriber) => subscriber.heartbeats)
  const connectsAtPause = subscribers.map((subscriber) => subscriber.connects)
  await waitReady(a.url, 503, 10_000)
  await waitReady(b.url, 503, 10_000)
  await Bun.sleep(2500)
  const ackedWhilePaused = acked.length
  await Bun.sleep(500)
  // Whatever was acknowledged had been stored before the freeze: nothing more is.
  expect(acked.length).toBe(ackedWhilePaused)
  expect(refused.length).toBeGreaterThan(0)
  for (const one of refused) {
    expect(one.status).toBe(503)
    expect(JSON.parse(one.body).error.name).toBe("EventLogError")
    // Sent to a frozen Redis, never answered: the publisher is told a retry may store it twice.
    expect(JSON.parse(one.body).error.message).toContain("may have been stored all the same")
  }
  subscribers.forEach((subscriber, i) => {
    expect(subscriber.heartbeats - (heartbeatsAtPause[i] as number)).toBeGreaterThanOrEqual(2)
    expect(subscriber.connects).toBe(connectsAtPause[i] as number)
  })
  server.resume()
  await waitReady(a.url, 200, 15_000)
  await waitReady(b.url, 200, 15_000)
  const ackedAfterResume = acked.length
  await Bun.sleep(1000)
  expect(acked.length).toBeGreaterThan(ackedAfterResume)

  // A restart (SIGTERM, AOF kept): publishes fail while it is down, then go on in the same generation.
  const refusedBeforeRestart = refused.length
  await server.restart()
  await waitReady(a.url, 200, 15_000)
  await waitReady(b.url, 200, 15_000)
  const ackedAfterRestart = acked.length
  await Bun.sleep(1000)
  expect(acked.length).toBeGreaterThan(ackedAfterRestart)
  stopped = true
  await Promise.all(publishers)

  const newest = Math.max(...acked.map(seqOf))
  for (const subscriber of subscribers)
    await subscriber.waitUntil((last) => last !== null && seqOf(last) >= newest, 30_000)
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()))
  console.log(
    `outage: ${acked.length} acknowledged, ${refused.length} refused (${refused.length - refusedBeforeRestart} around the restart), heartbeats ${subscribers.map((s) => s.heartbeats).join(",")}`,
  )
  const generations = new Set(acked.map((id) => id.slice(0, id.lastIndexOf("-"))))
  expect(generations.size).toBe(1)
  for (const subscriber of subscribers) {
    expect(sequenceProblems(subscriber.ids)).toEqual([])
    expect(subscriber.resyncs).toBe(0)
    const received = new Set(subscriber.ids)
    expect(acked.filter((id) => !received.has(id))).toEqual([])
  }
}, 120_000)

test("a Redis restarted without persistence lost its history: each client resyncs once, then goes on", async () => {
  const server = await startRedis()
  const instances = await startInstances(server, 2, {
    config: { server: { event_stream: { heartbeat_ms: 1000 } } },
  })
  try {
    const subscribers = instances.map((instance) => new IdSubscriber({ pick: () => instance.url }))
    for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)
    const before = await publish((instances[0] as ServerProcess).url, "before")
    for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === before.id, 10_000)

    await server.restart()
    for (const instance of instances) await waitReady(instance.url, 200, 15_000)
    for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.resyncs > 0, 15_000)
    const after = await publish((instances[1] as ServerProcess).url, "after")
    expect(after.id?.slice(0, 12)).not.toBe(before.id?.slice(0, 12))
    for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === after.id, 10_000)
    await Bun.sleep(2500)
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()))
    for (const subscriber of subscribers) {
      expect(subscriber.resyncs).toBe(1)
      expect(subscriber.ids.at(-1)).toBe(after.id as string)
    }
  } finally {
    await server.stop()
  }
}, 60_000)
