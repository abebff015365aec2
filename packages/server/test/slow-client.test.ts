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
  // A deadline, not a window: generous, as a loaded machine delivers the reset late.
  const deadline = Date.now() + 15_000
  while (!stalledClosed && Date.now() < deadline) await Bun.sleep(20)
  expect(stalledClosed).toBe(true)
  reader.close()
  stalled.destroy()
  expect(await server.stop("SIGTERM")).toBe(0)
}, 90_000)

/**
 * How many of the server's TCP sockets (any state, orphans closing in the kernel included) still
 * connect its `port` to one of `peers` (client ports), from /proc/net/tcp (IPv4 loopback).
 */
const serverSocketsTo = (port: number, peers: ReadonlySet<number>): number => {
  let count = 0
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, remote] = line.trim().split(/\s+/)
    if (local === undefined || remote === undefined) continue
    const localPort = Number.parseInt(local.split(":")[1] ?? "", 16)
    const remotePort = Number.parseInt(remote.split(":")[1] ?? "", 16)
    if (localPort === port && peers.has(remotePort)) count++
  }
  return count
}

test("a dropped slow client loses its connection at once, even with its receive window full", async () => {
  const config = join(dir, "tether-drop.json")
  writeFileSync(config, JSON.stringify({ server: { event_stream: { max_buffered_bytes: 256 * 1024 } } }))
  const server = await startServe(["--port", "0", "--config", config, "--data-dir", join(dir, "data-drop")], {
    env: { XDG_CONFIG_HOME: join(dir, "xdg") },
  })
  const { hostname, port } = new URL(server.url)

  // Stalled clients: raw sockets that send their request and never read a byte, ever.
  const stalledCount = 20
  const closedAt: (number | null)[] = Array.from({ length: stalledCount }, () => null)
  const sockets: Socket[] = []
  await Promise.all(
    closedAt.map(
      (_, i) =>
        new Promise<void>((connected) => {
          const socket: Socket = connect(Number(port), hostname, () => {
            socket.write(`GET /global/event HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`)
            socket.pause()
            connected()
          })
          socket.on("close", () => {
            closedAt[i] = performance.now()
          })
          socket.on("error", () => {})
          sockets.push(socket)
        }),
    ),
  )
  const peers = new Set(sockets.map((socket) => socket.localPort as number))
  const deadline = Date.now() + 10_000
  while (serverSocketsTo(Number(port), peers) < stalledCount && Date.now() < deadline) await Bun.sleep(20)
  expect(serverSocketsTo(Number(port), peers)).toBe(stalledCount)

  // Watch stderr for each drop line, to time each close from its drop.
  const dropLine = "dropped a slow event-stream client"
  const dropsAt: number[] = []
  const watcher = setInterval(() => {
    const seen = server.stderr().split(dropLine).length - 1
    while (dropsAt.length < seen) dropsAt.push(performance.now())
  }, 5)
  // 32 KiB events until every stalled client has been dropped: each holds the kernel's socket buffers
  // (a few MiB on loopback) plus the 256 KiB bound. Bounded: 2000 events, 60 s.
  const blob = "x".repeat(32 * 1024)
  const publishDeadline = Date.now() + 60_000
  for (let n = 0; n < 2000 && dropsAt.length < stalledCount && Date.now() < publishDeadline; n++) {
    const response = await fetch(`${server.url}/global/event`, {
      method: "POST",
      body: JSON.stringify({ type: "test.bulk", properties: { n, blob } }),
    })
    expect(response.status).toBe(202)
  }
  // Generous: how late the resets came is measured below (`slowest`), not bounded by this wait.
  const closeDeadline = Date.now() + 15_000
  while (closedAt.some((at) => at === null) && Date.now() < closeDeadline) await Bun.sleep(10)
  clearInterval(watcher)
  expect(dropsAt).toHaveLength(stalledCount)
  // The server reset each dropped connection: every client saw it without reading a byte more…
  expect(closedAt.filter((at) => at === null)).toHaveLength(0)
  // …and the server holds none of their sockets any more, not even as an orphan closing in the kernel.
  expect(serverSocketsTo(Number(port), peers)).toBe(0)
  // Drops are seen through the server's stderr pipe, so a close may even be seen first (negative).
  const lastClose = Math.max(...(closedAt as number[]))
  const slowest = lastClose - Math.max(...dropsAt)
  console.log(
    `dropped slow clients: ${stalledCount} of ${stalledCount} reset; the last reset came ${slowest.toFixed(0)} ms ` +
      `after the last drop line (${(lastClose - Math.min(...dropsAt)).toFixed(0)} ms after the first)`,
  )
  expect(slowest).toBeLessThan(2000)
  for (const socket of sockets) socket.destroy()
  expect(await server.stop("SIGTERM")).toBe(0)
}, 120_000)
