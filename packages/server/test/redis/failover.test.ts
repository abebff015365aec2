/**
 * A failover to a replica: the replica is promoted (`REPLICAOF NO ONE`, what Sentinel does) and the old
 * master dies. Replication is asynchronous, so the replica may lack the newest writes: the instance on it
 * sees the promotion (`master_replid2` is the replication id it stored), starts a new generation, and its
 * clients get exactly one `server.resync`, then the new generation's events. Never a silent reuse of
 * sequence numbers.
 */
import { afterAll, expect, test } from "bun:test"
import { IdSubscriber } from "../helpers/id-subscriber.ts"
import { publish } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, startServe } from "../helpers/server-process.ts"

const servers: RedisServer[] = []

afterAll(async () => {
  await killAll()
  await Promise.all(servers.map((server) => server.stop()))
})

const generationOf = (id: string) => id.slice(0, id.lastIndexOf("-"))

test("a promoted replica starts a new generation: each client resyncs once, then follows it", async () => {
  const master = await startRedis()
  servers.push(master)
  const onMaster = await startServe(["--port", "0", "--event-log", "redis", "--redis-url", master.url])
  const first = await publish(onMaster.url, "before", { n: 0 })
  expect(first.status).toBe(202)

  const replica = await startRedis({ replicaOf: master.port })
  servers.push(replica)
  const deadline = Date.now() + 10_000
  while (!(await replica.cli("INFO", "replication")).includes("master_link_status:up")) {
    if (Date.now() > deadline) throw new Error("the replica never synced")
    await Bun.sleep(50)
  }
  const onReplica = await startServe(["--port", "0", "--event-log", "redis", "--redis-url", replica.url])
  const subscribers = [onReplica, onReplica].map((instance) => new IdSubscriber({ pick: () => instance.url }))
  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.connects > 0, 10_000)
  // Published on the master, delivered by the instance reading the replica.
  const before = await publish(onMaster.url, "before", { n: 1 })
  for (const subscriber of subscribers)
    await subscriber
      .waitUntil((last) => last === before.id, 10_000)
      .catch((error) => {
        throw new Error(`${error}: ${onReplica.stderr()}`)
      })

  expect(await replica.cli("REPLICAOF", "NO", "ONE")).toBe("OK")
  await master.stop()
  servers.splice(servers.indexOf(master), 1)

  for (const subscriber of subscribers) await subscriber.waitUntil(() => subscriber.resyncs > 0, 15_000)
  const after = await publish(onReplica.url, "after")
  expect(after.status).toBe(202)
  expect(generationOf(after.id as string)).not.toBe(generationOf(before.id as string))
  for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === after.id, 10_000)
  // Time for the reader to verify again: no second resync.
  await Bun.sleep(2500)
  const more = await publish(onReplica.url, "more")
  for (const subscriber of subscribers) await subscriber.waitUntil((last) => last === more.id, 10_000)
  await Promise.all(subscribers.map((subscriber) => subscriber.stop()))
  for (const subscriber of subscribers) {
    expect(subscriber.resyncs).toBe(1)
    expect(subscriber.ids.slice(-2)).toEqual([after.id as string, more.id as string])
  }
  expect(onReplica.stderr()).toContain("new generation")
}, 60_000)
