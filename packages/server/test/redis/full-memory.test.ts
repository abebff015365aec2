/**
 * Redis out of memory (`maxmemory` reached, `noeviction`): the shared log's "disk full". Publishes fail
 * loudly with Redis's own reason, never a 2xx for an event not stored, and readiness goes 503 (under
 * 1 MiB of room, where a small write still fits but a publish may not); streams
 * stay up, and a client that resumes meanwhile still gets its replay (reads need no memory). Once
 * memory is raised, publishing goes on, and every acknowledged event reaches every subscriber once.
 */
import { afterAll, expect, test } from "bun:test"
import { IdSubscriber } from "../helpers/id-subscriber.ts"
import { expectEveryAcked, publish, seqOf, startInstances, waitReady } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"
import { connectSse } from "../helpers/sse.ts"

const redises: RedisServer[] = []

afterAll(async () => {
  await killAll()
  await Promise.all(redises.map((redis) => redis.stop()))
})

test("Redis at maxmemory: 503 naming OOM and readiness 503, replays still served, every acknowledged event once after", async () => {
  const server = await startRedis()
  redises.push(server)
  const instances = await startInstances(server, 2)
  const [a, b] = instances as [ServerProcess, ServerProcess]
  const subscribers = instances.map((instance) => new IdSubscriber({ pick: () => instance.url }))
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)
  const acked: string[] = []
  for (let n = 0; n < 5; n++) acked.push((await publish(a.url, "before", { n })).id as string)
  const resumeFrom = acked[1] as string

  // A little room above what Redis holds now, then publishes of 8 KiB until it is full.
  const used = Number(/used_memory:(\d+)/.exec(await server.cli("INFO", "memory"))?.[1])
  expect(await server.cli("CONFIG", "SET", "maxmemory-policy", "noeviction")).toBe("OK")
  expect(await server.cli("CONFIG", "SET", "maxmemory", String(used + 256 * 1024))).toBe("OK")
  const blob = "x".repeat(8192)
  let refused: { status: number; body: string } | null = null
  for (let n = 0; n < 1000 && refused === null; n++) {
    const sent = await publish(n % 2 === 0 ? a.url : b.url, "filling", { n, blob })
    if (sent.id !== null) acked.push(sent.id)
    else refused = { status: sent.status, body: sent.body }
  }
  if (refused === null) throw new Error("Redis never refused a publish at maxmemory")
  expect(refused.status).toBe(503)
  const error = JSON.parse(refused.body).error as { name: string; message: string }
  expect(error.name).toBe("EventLogError")
  expect(error.message).toContain("OOM command not allowed")
  // Answered: it was not stored, and the message does not pretend it may have been.
  expect(error.message).not.toContain("may have been stored")
  // Not ready: a small write may still fit, a publish does not. The check says what is left.
  await waitReady(a.url, 503, 10_000)
  await waitReady(b.url, 503, 10_000)
  const ready = (await (await fetch(`${a.url}/global/health/ready`)).json()) as {
    checks: Record<string, { ok: boolean; error?: string }>
  }
  expect(ready.checks.store?.ok).toBe(false)
  expect(ready.checks.store?.error).toMatch(/Redis has \d+ bytes left under its maxmemory/)

  // Reading needs no memory: a client resuming now gets its replay from either instance.
  const resumed = await connectSse(b.url, { lastEventId: resumeFrom })
  const replayed = await resumed.until((event) => event.id === acked.at(-1), 15_000)
  expect(replayed.filter((event) => event.id !== null).map((event) => event.id)).toEqual(acked.slice(2))
  expect(replayed.some((event) => event.type === "server.resync")).toBe(false)
  resumed.close()

  expect(await server.cli("CONFIG", "SET", "maxmemory", "0")).toBe("OK")
  await waitReady(a.url, 200, 15_000)
  await waitReady(b.url, 200, 15_000)
  const after = await publish(b.url, "after")
  expect(after.status).toBe(202)
  acked.push(after.id as string)

  for (const subscriber of subscribers)
    await subscriber.waitUntil((last) => last !== null && seqOf(last) >= seqOf(after.id as string), 15_000)
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()))
  // Everything acknowledged, once: nothing refused slipped in between.
  expectEveryAcked(subscribers, acked)
}, 60_000)

test("a Redis that may evict the log's keys (allkeys-* under a maxmemory) is warned of when an instance starts", async () => {
  const server = await startRedis()
  redises.push(server)
  expect(await server.cli("CONFIG", "SET", "maxmemory", "100mb")).toBe("OK")
  expect(await server.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")).toBe("OK")
  const [evicting] = await startInstances(server, 1)
  expect(evicting?.stderr()).toContain(
    "evicts any key at maxmemory (maxmemory-policy allkeys-lru), the event log's too",
  )
  // Keys that expire are the only ones a volatile-* policy evicts: the log's never do.
  expect(await server.cli("CONFIG", "SET", "maxmemory-policy", "volatile-lru")).toBe("OK")
  const [volatile] = await startInstances(server, 1)
  expect(volatile?.stderr()).not.toContain("evicts any key")
})
