/**
 * Scenario 2 of issue 12: `kill -9` of one instance while several publishers publish through all of
 * them. Subscribers of the killed instance resume on another one. The union of what subscribers
 * received equals the acknowledged publishes (plus, at most, the publishes whose answer was lost with
 * the process: stored, never acknowledged), with no hole and no duplicate in any subscriber.
 */
import { afterAll, expect, test } from "bun:test"
import { IdSubscriber, sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish, seqOf, startInstances } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"

let redis: RedisServer | undefined

afterAll(async () => {
  await killAll()
  await redis?.stop()
})

test("kill -9 of an instance under publishers: nothing acknowledged is lost, nothing repeated", async () => {
  redis = await startRedis()
  const instances = await startInstances(redis, 3)
  const alive = new Set<ServerProcess>(instances)
  const anyAlive = () => [...alive][Math.floor(Math.random() * alive.size)] as ServerProcess

  const subscribers = instances.flatMap((home) =>
    [0, 1].map(() => new IdSubscriber({ pick: () => (alive.has(home) ? home : anyAlive()).url })),
  )
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)

  const acked = new Set<string>()
  let inDoubt = 0
  let stopped = false
  const publisher = async (n: number) => {
    let target = instances[n % instances.length] as ServerProcess
    for (let i = 0; !stopped && i < 5000; i++) {
      if (!alive.has(target)) target = anyAlive()
      try {
        const sent = await publish(target.url, "load", { publisher: n, i })
        if (sent.id !== null) acked.add(sent.id)
        else throw new Error(`${sent.status} ${sent.body}`)
      } catch {
        // The instance died with this publish in flight: it may or may not have been stored.
        inDoubt++
      }
    }
  }
  const publishers = Array.from({ length: 6 }, (_, n) => publisher(n))

  await Bun.sleep(1500)
  const victim = instances[0] as ServerProcess
  alive.delete(victim)
  victim.proc.kill("SIGKILL")
  await victim.proc.exited
  await Bun.sleep(1500)
  stopped = true
  await Promise.all(publishers)

  const newest = Math.max(...[...acked].map(seqOf))
  for (const subscriber of subscribers)
    await subscriber.waitUntil((last) => last !== null && seqOf(last) >= newest, 30_000)
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()))

  const union = new Set(subscribers.flatMap((subscriber) => subscriber.ids))
  const missing = [...acked].filter((id) => !union.has(id))
  const unacknowledged = [...union].filter((id) => !acked.has(id))
  console.log(
    `kill -9: ${acked.size} acknowledged, ${inDoubt} in doubt, ${union.size} received; subscribers reconnected ${subscribers.map((s) => s.connects).join(",")} times`,
  )
  expect(acked.size).toBeGreaterThan(100)
  expect(missing).toEqual([])
  expect(unacknowledged.length).toBeLessThanOrEqual(inDoubt)
  for (const subscriber of subscribers) {
    expect(sequenceProblems(subscriber.ids)).toEqual([])
    expect(subscriber.resyncs).toBe(0)
    // Every subscriber was connected before the first publish: each has everything.
    expect(subscriber.ids.length).toBe(union.size)
  }
  // The killed instance's subscribers moved to another one.
  for (const subscriber of subscribers.slice(0, 2)) expect(subscriber.connects).toBeGreaterThan(1)
}, 90_000)
