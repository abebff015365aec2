/**
 * The slow-client rule across instances: a client that stops reading is dropped by its instance past
 * `max_buffered_bytes`, and resumes from its last id on another instance with every event it missed,
 * in order, once.
 */
import { afterAll, expect, test } from "bun:test"
import { connect, type Socket } from "node:net"
import { sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish, startInstances } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, type ServerProcess } from "../helpers/server-process.ts"
import { connectSse } from "../helpers/sse.ts"

let redis: RedisServer | undefined

afterAll(async () => {
  await killAll()
  await redis?.stop()
})

test("a client dropped as slow by one instance resumes on another with everything it missed", async () => {
  redis = await startRedis()
  const [a, b] = (await startInstances(redis, 2, {
    config: { server: { event_stream: { max_buffered_bytes: 256 * 1024 } } },
  })) as [ServerProcess, ServerProcess]
  const start = await publish(b.url, "start")
  const { hostname, port } = new URL(a.url)

  // Resumes on A from `start`, then never reads a byte.
  let closed = false
  const stalled: Socket = connect(Number(port), hostname, () => {
    stalled.write(
      `GET /global/event HTTP/1.1\r\nHost: ${hostname}:${port}\r\nLast-Event-ID: ${start.id}\r\n\r\n`,
    )
    stalled.pause()
  })
  stalled.on("close", () => {
    closed = true
  })
  stalled.on("error", () => {})
  await Bun.sleep(300)

  // 600 events of 32 KiB through B: far past A's 256 KiB bound and the kernel's socket buffers.
  const blob = "x".repeat(32 * 1024)
  for (let batch = 0; batch < 30 && !a.stderr().includes("dropped a slow"); batch++) {
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => publish(b.url, "big", { batch, i, blob })),
    )
    for (const one of sent) expect(one.status).toBe(202)
  }
  const deadline = Date.now() + 15_000
  while (!a.stderr().includes("dropped a slow") && Date.now() < deadline) await Bun.sleep(50)
  expect(a.stderr()).toContain("dropped a slow event-stream client")
  stalled.destroy()
  expect(closed || stalled.destroyed).toBe(true)

  // Everything after `start`, as the log holds it, resumed on B.
  const newest = await publish(b.url, "end")
  const resumed = await connectSse(b.url, { lastEventId: start.id as string })
  const events = await resumed.until((event) => event.id === newest.id, 30_000)
  resumed.close()
  expect(events.some((event) => event.type === "server.resync")).toBe(false)
  const missed = events.filter((event) => event.id !== null).map((event) => event.id as string)
  expect(sequenceProblems([start.id as string, ...missed])).toEqual([])
  expect(missed.length).toBeGreaterThan(20)
  expect(missed.at(-1)).toBe(newest.id as string)
}, 90_000)
