/**
 * A client that stops reading cannot sink the server: past `max_buffered_bytes` of unsent data it
 * is dropped (and logged), the server's memory stays bounded, and other clients get every event.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killAll, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-slow-"))
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const rssMiB = (pid: number): number => {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/)
  return Number(match?.[1]) / 1024
}

test("a client that stops reading is dropped past the limit, RSS stays bounded, others keep their events", async () => {
  const config = join(dir, "tether.json")
  writeFileSync(config, JSON.stringify({ server: { event_stream: { max_buffered_bytes: 256 * 1024 } } }))
  const server = await startServe(["--port", "0", "--config", config, "--data-dir", join(dir, "data")], {
    env: { XDG_CONFIG_HOME: join(dir, "xdg") },
  })
  const { hostname, port } = new URL(server.url)

  // The stalled client: a raw socket that sends its request and never reads a byte.
  let stalledClosed = false
  const stalled: Socket = connect(Number(port), hostname, () => {
    stalled.write(`GET /global/event HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`)
    stalled.pause()
  })
  stalled.on("close", () => {
    stalledClosed = true
  })
  stalled.on("error", () => {})
  const reader = await connectSse(server.url)
  await reader.next()
  await Bun.sleep(200)
  const before = rssMiB(server.proc.pid)

  // 4800 events of 32 KiB: 150 MiB, far past the 256 KiB bound and the kernel's socket buffers.
  const blob = "x".repeat(32 * 1024)
  const total = 4800
  let received = 0
  const reading = (async () => {
    while (received < total) {
      const event = await reader.next(30_000)
      if (event === null) throw new Error("the reading client's stream ended")
      if (event.id !== null) {
        expect(event.properties.n).toBe(received)
        received++
      }
    }
  })()
  for (let n = 0; n < total; n++) {
    const response = await fetch(`${server.url}/global/event`, {
      method: "POST",
      body: JSON.stringify({ type: "test.bulk", properties: { n, blob } }),
    })
    expect(response.status).toBe(202)
  }
  await reading
  expect(received).toBe(total)
  await Bun.sleep(500)
  const after = rssMiB(server.proc.pid)
  console.log(
    `slow client: RSS ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after 150 MiB of events`,
  )
  expect(server.stderr()).toContain("dropped a slow event-stream client")
  expect(server.stderr()).toContain("server.event_stream.max_buffered_bytes (262144)")
  // Had the stalled client's backlog been kept, it alone would hold ~150 MiB.
  expect(after - before).toBeLessThan(100)
  stalled.resume()
  const deadline = Date.now() + 5000
  while (!stalledClosed && Date.now() < deadline) await Bun.sleep(20)
  expect(stalledClosed).toBe(true)
  reader.close()
  stalled.destroy()
  expect(await server.stop("SIGTERM")).toBe(0)
}, 90_000)
