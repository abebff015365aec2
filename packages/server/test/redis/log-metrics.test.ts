/**
 * The event-log gauges of `GET /global/metrics` on the Redis log: its ids are `<generation>-<sequence>`,
 * not numbers, and the gauges count by the sequence, which is gapless within a generation and trimmed
 * oldest first (before, every one of them read 0 on Redis, whatever the log held).
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { publish, startInstances } from "../helpers/instances.ts"
import { scrape } from "../helpers/metrics.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"

let redis: RedisServer
let instance: ServerProcess

beforeAll(async () => {
  redis = await startRedis()
  ;[instance] = (await startInstances(redis, 1)) as [ServerProcess]
})

afterAll(async () => {
  await killAll()
  await redis.stop()
})

test("retained events and the oldest and newest positions follow the Redis log's sequence", async () => {
  const ids: string[] = []
  for (let i = 0; i < 7; i++) {
    const sent = await publish(instance.url, "counted", { i })
    expect(sent.status).toBe(202)
    ids.push(sent.id as string)
  }
  const sequence = (id: string) => Number(id.slice(id.lastIndexOf("-") + 1))
  const samples = await scrape(instance.url)
  expect(samples.get("tether_event_log_retained_events")).toBe(7)
  expect(samples.get("tether_event_log_oldest_id")).toBe(sequence(ids[0] as string))
  expect(samples.get("tether_event_log_newest_id")).toBe(sequence(ids[6] as string))
}, 60_000)
