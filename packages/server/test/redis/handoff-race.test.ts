/**
 * Scenario 3 of issue 12: the replay/live handoff under a reconnect storm. 200 clients drop their
 * stream every few hundred milliseconds and resume on a random instance with `Last-Event-ID` while
 * events are published through every instance at up to ~2 000/s. Each reconnect replays from the log
 * while live events arrive from the instance's reader: no client may see a duplicate or a gap.
 *
 * Sized for a 2-core machine shared with other work: the publish rate is a target, the run is bounded
 * in time, and the figures reached are printed.
 */
import { afterAll, expect, test } from "bun:test"
import { IdSubscriber, sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish, seqOf, startInstances } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"

const CLIENTS = 200
const TARGET_PER_SECOND = 2000
const PUBLISH_MS = 6000
// Each publisher has one publish in flight. With the machine busy an answer takes 30–50 ms, so 2 000/s
// needs about 100 of them: 20 held the rate near 1 250/s whatever the servers could take.
const PUBLISHERS = 100

let redis: RedisServer | undefined

afterAll(async () => {
  await killAll()
  await redis?.stop()
})

test("200 clients hopping between instances under ~2 000 publishes/s: no duplicate, no gap", async () => {
  redis = await startRedis()
  const instances = await startInstances(redis, 3)
  const random = () => (instances[Math.floor(Math.random() * instances.length)] as ServerProcess).url
  const clients = Array.from(
    { length: CLIENTS },
    () => new IdSubscriber({ pick: random, hopAfterMs: [100, 600], pauseMs: [0, 30] }),
  )
  for (const client of clients) await client.waitUntil(() => client.connects > 0, 20_000)

  const acked: string[] = []
  let refused = 0
  const started = performance.now()
  const interval = (1000 * PUBLISHERS) / TARGET_PER_SECOND
  const publisher = async (n: number) => {
    for (let i = 0; performance.now() - started < PUBLISH_MS && i < 100_000; i++) {
      const due = started + i * interval + (n * interval) / PUBLISHERS
      const wait = due - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      const sent = await publish((instances[(n + i) % instances.length] as ServerProcess).url, "race", {
        n,
        i,
      })
      if (sent.id !== null) acked.push(sent.id)
      else refused++
    }
  }
  await Promise.all(Array.from({ length: PUBLISHERS }, (_, n) => publisher(n)))
  const seconds = (performance.now() - started) / 1000

  const newest = Math.max(...acked.map(seqOf))
  // Catching up is checked on streams that stay: the race was while publishing.
  for (const client of clients) client.stayConnected()
  for (const client of clients)
    await client
      .waitUntil((last) => last !== null && seqOf(last) >= newest, 90_000)
      .catch((error) => {
        const behind = clients.filter((c) => c.lastId === null || seqOf(c.lastId) < newest)
        const where = behind.slice(0, 5).map((c) => `${c.lastId} after ${c.connects} connects`)
        const logs = instances.map((instance) => instance.stderr().slice(-500))
        throw new Error(
          `${error}; newest ${newest}; ${behind.length} behind: ${where.join(", ")}; ${logs.join(" | ")}`,
        )
      })
  await Promise.all(clients.map((client) => client.stop()))

  const connects = clients.reduce((sum, client) => sum + client.connects, 0)
  const delivered = clients.reduce((sum, client) => sum + client.ids.length, 0)
  console.log(
    `handoff race: ${acked.length} published in ${seconds.toFixed(1)} s (${Math.round(acked.length / seconds)}/s), ${connects} connects (${Math.round(connects / seconds)}/s), ${delivered} deliveries`,
  )
  expect(refused).toBe(0)
  // The rate reached depends on what else the machine runs; the property under test does not.
  expect(acked.length).toBeGreaterThan(100)
  // Every client reconnected many times, most of them while events kept coming.
  expect(connects).toBeGreaterThan(CLIENTS * 5)
  const all = new Set(acked)
  for (const client of clients) {
    expect(sequenceProblems(client.ids)).toEqual([])
    expect(client.resyncs).toBe(0)
    // From its first event on, each client has every acknowledged event after it.
    const first = seqOf(client.ids[0] as string)
    const expected = acked.filter((id) => seqOf(id) >= first).length
    expect(client.ids.filter((id) => all.has(id)).length).toBe(expected)
  }
}, 180_000)
