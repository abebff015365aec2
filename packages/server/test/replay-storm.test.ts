/**
 * A burst of far-behind resumes does not freeze the server (issue 17): while 100 raw-socket clients
 * replay 2000 events of 4 KiB each (800 MB in all) from a real `tether serve`, readiness answers 200
 * within a bound, the heartbeat of a live client keeps its pace, and a publish reaches it; and every
 * resuming client still gets its whole backlog.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { EVENT_LOG_FILE } from "../src/event/log.ts"
import { makeSqliteLog } from "../src/event/sqlite-log.ts"
import { killAll, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-storm-"))
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const CLIENTS = 100
const EVENTS = 2000
/** A readiness answer (its own deadline is 1000 ms) or a heartbeat gap (1000 ms apart) past these fails. */
const READY_BOUND_MS = 2000
const HEARTBEAT_GAP_BOUND_MS = 3000

/** A raw client resuming after `after`: done once the end of the last event's frame arrived. */
const resume = (port: number, after: string) => {
  const state = { bytes: 0, done: false, closed: false, socket: null as Socket | null }
  // Each event's properties end with its number: the last one's is looked for in every chunk, and
  // across two chunks in the bytes around their boundary.
  const marker = Buffer.from(`"i":${EVENTS - 1}}`)
  let carry = Buffer.alloc(0)
  const socket = connect(port, "127.0.0.1", () => {
    socket.write(`GET /global/event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nLast-Event-ID: ${after}\r\n\r\n`)
  })
  socket.on("data", (chunk: Buffer) => {
    state.bytes += chunk.byteLength
    if (state.done) return
    const seam = Buffer.concat([carry, chunk.subarray(0, marker.byteLength)])
    if (chunk.includes(marker) || seam.includes(marker)) state.done = true
    carry = Buffer.from(chunk.subarray(Math.max(0, chunk.byteLength - marker.byteLength)))
  })
  socket.on("close", () => {
    state.closed = true
  })
  socket.on("error", () => {})
  state.socket = socket
  return state
}

test("100 clients replaying 800 MB leave readiness, heartbeats and publishes prompt", async () => {
  // The backlog, written straight into the data dir's log before the server opens it.
  const dataDir = join(dir, "data")
  mkdirSync(dataDir, { recursive: true })
  const { shape: log, close } = makeSqliteLog(join(dataDir, EVENT_LOG_FILE))
  const before = Effect.runSync(log.newest) as string
  const blob = "x".repeat(4000)
  for (let i = 0; i < EVENTS; i++) {
    const properties = `{"blob":"${blob}","i":${i}}`
    Effect.runSync(log.append({ type: "test.backlog", time: Date.now(), properties }))
  }
  close()
  const config = join(dir, "tether.json")
  writeFileSync(config, JSON.stringify({ server: { event_stream: { heartbeat_ms: 1000 } } }))
  const server = await startServe(["--port", "0", "--config", config, "--data-dir", dataDir], {
    env: { XDG_CONFIG_HOME: join(dir, "xdg") },
  })

  const live = await connectSse(server.url)
  expect((await live.next())?.type).toBe("server.connected")
  const clients = Array.from({ length: CLIENTS }, () => resume(server.port, before))
  const started = performance.now()
  const ready: { status: number; ms: number }[] = []
  const heartbeats: number[] = []
  let published: string | null = null
  const liveIds = new Set<string>()
  let watch = true
  // The live client: heartbeats, and the one publish made in the middle of the storm.
  const watching = (async () => {
    while (watch && performance.now() - started < 130_000) {
      const event = await live.next(HEARTBEAT_GAP_BOUND_MS * 4).catch(() => null)
      if (event === null) return
      if (event.type === "server.heartbeat") heartbeats.push(performance.now())
      if (event.id !== null) liveIds.add(event.id)
    }
  })()
  // Bounded: until every client is done (or gone), at most 120 s.
  while (!clients.every((c) => c.done || c.closed) && performance.now() - started < 120_000) {
    const asked = performance.now()
    const status = await fetch(`${server.url}/global/health/ready`, { signal: AbortSignal.timeout(15_000) })
      .then(async (response) => {
        await response.arrayBuffer()
        return response.status
      })
      .catch(() => 0)
    ready.push({ status, ms: performance.now() - asked })
    if (published === null) {
      const response = await fetch(`${server.url}/global/event`, {
        method: "POST",
        body: JSON.stringify({ type: "test.during-storm" }),
        signal: AbortSignal.timeout(15_000),
      })
      expect(response.status).toBe(202)
      published = ((await response.json()) as { id: string }).id
    }
    await Bun.sleep(50)
  }
  const seconds = (performance.now() - started) / 1000
  // One more heartbeat (and at least two in all, so that there is a gap to measure) lets the publish
  // arrive, if it has not yet. Waited for with a deadline, not a guessed window: a loaded machine may
  // take longer than one heartbeat interval.
  const beats = Math.max(2, heartbeats.length + 1)
  const arrival = Date.now() + 15_000
  const arrived = () => heartbeats.length >= beats && published !== null && liveIds.has(published)
  while (!arrived() && Date.now() < arrival) await Bun.sleep(20)
  watch = false
  await watching
  const gaps = heartbeats.slice(1).map((at, i) => at - (heartbeats[i] as number))
  const slowestReady = Math.max(...ready.map((r) => r.ms))
  console.log(
    `replay storm: ${CLIENTS} × ${EVENTS} × 4 KiB replayed in ${seconds.toFixed(1)} s; readiness ${ready.filter((r) => r.status === 200).length}/${ready.length} ready, slowest ${slowestReady.toFixed(0)} ms; heartbeat gap max ${Math.max(0, ...gaps).toFixed(0)} ms`,
  )
  expect(ready.filter((r) => r.status !== 200)).toEqual([])
  expect(slowestReady).toBeLessThan(READY_BOUND_MS)
  expect(clients.filter((c) => !c.done)).toHaveLength(0)
  expect(heartbeats.length).toBeGreaterThanOrEqual(2)
  expect(Math.max(0, ...gaps)).toBeLessThan(HEARTBEAT_GAP_BOUND_MS)
  expect(published !== null && liveIds.has(published)).toBe(true)
  for (const client of clients) client.socket?.destroy()
  live.close()
  expect(await server.stop("SIGTERM")).toBe(0)
}, 180_000)
