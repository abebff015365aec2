/**
 * `GET /global/metrics` on a real server under load: every counter and histogram count moves by
 * exactly what the test made happen (publishes, deliveries, heartbeats, a slow client dropped, a
 * replay, a resync, a refused stream, connections dropped by the SDK's stale watchdog), and
 * `promtool check metrics` accepts the exposition.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createTetherClient } from "@tether/sdk"
import { delta, type Samples, scrape } from "./helpers/metrics.ts"
import { killAll, type ServerProcess, startServe } from "./helpers/server-process.ts"
import { connectSse, type SseConnection } from "./helpers/sse.ts"

const HEARTBEAT_MS = 3000
const dir = mkdtempSync(join(tmpdir(), "tether-metrics-"))
let server: ServerProcess

beforeAll(async () => {
  const config = join(dir, "tether.json")
  writeFileSync(
    config,
    JSON.stringify({
      server: { event_stream: { heartbeat_ms: HEARTBEAT_MS, max_buffered_bytes: 64 * 1024 } },
    }),
  )
  server = await startServe(["--port", "0", "--config", config, "--data-dir", join(dir, "data")], {
    env: { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_SERVER_PASSWORD: undefined },
  })
})

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const C = {
  published: "tether_events_published_total",
  delivered: "tether_events_delivered_total",
  replayed: "tether_events_replayed_total",
  resyncs: "tether_stream_resyncs_total",
  heartbeats: "tether_heartbeats_sent_total",
  slow: "tether_slow_client_drops_total",
  open: "tether_streams_open",
  connectsNew: 'tether_stream_connects_total{resume="false"}',
  connectsResume: 'tether_stream_connects_total{resume="true"}',
  closedClient: 'tether_stream_disconnects_total{reason="client"}',
  closedSlow: 'tether_stream_disconnects_total{reason="slow"}',
  forbidden: 'tether_stream_refusals_total{reason="forbidden"}',
  deliveryCount: "tether_publish_delivery_seconds_count",
  deliveryInf: 'tether_publish_delivery_seconds_bucket{le="+Inf"}',
  appendCount: "tether_event_log_append_seconds_count",
} as const

const publish = async (properties: Record<string, unknown>): Promise<string> => {
  const response = await fetch(`${server.url}/global/event`, {
    method: "POST",
    body: JSON.stringify({ type: "test.metrics", properties }),
  })
  expect(response.status).toBe(202)
  return ((await response.json()) as { id: string }).id
}

/** Scrapes until `ready` holds (a disconnect is seen by the server a moment after the client closes). */
const scrapeUntil = async (ready: (samples: Samples) => boolean, timeoutMs = 15_000): Promise<Samples> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const samples = await scrape(server.url)
    if (ready(samples)) return samples
    if (Date.now() > deadline) throw new Error(`metrics never reached the expected state:\n${[...samples]}`)
    await Bun.sleep(50)
  }
}

/** Reads `durable` events with ids, counting the heartbeats that came along. */
const readDurable = async (
  connection: SseConnection,
  durable: number,
): Promise<{ ids: string[]; beats: number }> => {
  const ids: string[] = []
  let beats = 0
  while (ids.length < durable) {
    const event = await connection.next(20_000)
    if (event === null) throw new Error("stream ended")
    if (event.type === "server.heartbeat") beats++
    if (event.id !== null) ids.push(event.id)
  }
  return { ids, beats }
}

describe("GET /global/metrics under load", () => {
  const phaseAIds: string[] = []

  test("publishes, deliveries, heartbeats and the two latency histograms move by exactly what happened", async () => {
    const before = await scrape(server.url)
    const readers = [await connectSse(server.url), await connectSse(server.url)]
    for (const reader of readers) expect((await reader.next())?.type).toBe("server.connected")
    const published = 25
    for (let n = 0; n < published; n++) phaseAIds.push(await publish({ n }))
    let beats = 0
    for (const reader of readers) {
      const got = await readDurable(reader, published)
      expect(got.ids).toEqual(phaseAIds)
      beats += got.beats
    }
    // Right after a heartbeat reached both readers, the next tick is HEARTBEAT_MS away: the scrape
    // below sees exactly the heartbeats they read.
    for (const reader of readers) {
      const seen = await reader.until((event) => event.type === "server.heartbeat", HEARTBEAT_MS * 3)
      beats += seen.filter((event) => event.type === "server.heartbeat").length
    }
    const after = await scrape(server.url)
    expect(delta(before, after, C.published)).toBe(published)
    expect(delta(before, after, C.delivered)).toBe(published * readers.length)
    expect(delta(before, after, C.appendCount)).toBe(published)
    expect(delta(before, after, C.deliveryCount)).toBe(published)
    expect(after.get(C.deliveryInf)).toBe(after.get(C.deliveryCount) as number)
    expect(delta(before, after, C.heartbeats)).toBe(beats)
    expect(delta(before, after, C.connectsNew)).toBe(2)
    expect(after.get(C.open)).toBe(2)
    for (const series of [C.replayed, C.resyncs, C.slow, C.closedClient, C.connectsResume]) {
      expect(delta(before, after, series)).toBe(0)
    }
    expect(after.get("tether_event_log_retained_events")).toBe(published)
    expect(after.get("tether_event_log_newest_id")).toBe(Number(phaseAIds.at(-1)))
    expect(after.get("tether_event_log_oldest_id")).toBe(Number(phaseAIds[0]))
    expect(after.get("tether_ready")).toBe(1)
    expect(after.get('tether_readiness_check_ok{check="store"}')).toBe(1)

    for (const reader of readers) reader.close()
    const closed = await scrapeUntil((samples) => samples.get(C.open) === 0)
    expect(delta(after, closed, C.closedClient)).toBe(2)
  }, 60_000)

  const phaseBIds: string[] = []

  test("a client that stops reading is dropped once and counted as a slow-client drop", async () => {
    const before = await scrape(server.url)
    const { hostname, port } = new URL(server.url)
    const stalled: Socket = connect(Number(port), hostname, () => {
      stalled.write(`GET /global/event HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`)
      stalled.pause()
    })
    stalled.on("error", () => {})
    await scrapeUntil((samples) => samples.get(C.open) === 1)
    // 15 KB events (under the quarter of max_buffered_bytes a publish may carry) until the kernel's
    // socket buffers are full and the server's backlog for it passes 64 KiB.
    const blob = "x".repeat(15_000)
    let dropped: Samples | null = null
    for (let batch = 0; batch < 200 && dropped === null; batch++) {
      phaseBIds.push(...(await Promise.all(Array.from({ length: 25 }, (_, n) => publish({ n, blob })))))
      // Kept in log order: 25 publishes at once reach the server in any order (ids are fixed-width).
      phaseBIds.sort()
      const now = await scrape(server.url)
      if (delta(before, now, C.slow) > 0) dropped = now
    }
    stalled.destroy()
    if (dropped === null) throw new Error("the stalled client was never dropped")
    const after = await scrapeUntil((samples) => samples.get(C.open) === 0)
    const published = phaseBIds.length
    expect(delta(before, after, C.slow)).toBe(1)
    expect(delta(before, after, C.closedSlow)).toBe(1)
    expect(delta(before, after, C.closedClient)).toBe(0)
    expect(delta(before, after, C.connectsNew)).toBe(1)
    expect(delta(before, after, C.published)).toBe(published)
    expect(delta(before, after, C.appendCount)).toBe(published)
    expect(delta(before, after, C.deliveryCount)).toBe(published)
    // Its one connection got each event up to the one that tipped it over, and nothing after.
    const delivered = delta(before, after, C.delivered)
    expect(delivered).toBeGreaterThan(0)
    expect(delivered).toBeLessThanOrEqual(published)
  }, 120_000)

  test("a replay, a resync and a refused stream are counted", async () => {
    const before = await scrape(server.url)
    const resumed = await connectSse(server.url, { lastEventId: phaseBIds.at(-6) as string })
    expect((await readDurable(resumed, 5)).ids).toEqual(phaseBIds.slice(-5))
    const unknown = await connectSse(server.url, { lastEventId: "not-an-id" })
    await unknown.until((event) => event.type === "server.resync")
    const refused = await fetch(`${server.url}/global/event`, { headers: { Origin: "http://evil.example" } })
    expect(refused.status).toBe(403)
    await refused.body?.cancel()
    resumed.close()
    unknown.close()
    const after = await scrapeUntil((samples) => samples.get(C.open) === 0)
    expect(delta(before, after, C.replayed)).toBe(5)
    expect(delta(before, after, C.resyncs)).toBe(1)
    expect(delta(before, after, C.connectsResume)).toBe(2)
    expect(delta(before, after, C.closedClient)).toBe(2)
    expect(delta(before, after, C.forbidden)).toBe(1)
    expect(delta(before, after, C.published)).toBe(0)
  }, 60_000)

  test("connections dropped by the SDK's stale watchdog: one connect and one client disconnect each", async () => {
    const before = await scrape(server.url)
    let opened = 0
    let stale = 0
    // No frame for 400 ms (heartbeats come every 3 s) trips the watchdog, which drops and resumes.
    const subscription = createTetherClient({ baseUrl: server.url }).global.event.subscribe({
      onEvent: (event) => {
        if (event.type === "server.connected") opened++
      },
      onStatus: (status) => {
        if (status.error?.name === "SseStaleError") stale++
      },
      staleAfterMs: 400,
      backoff: { baseMs: 50, capMs: 100, jitter: 0 },
    })
    const deadline = Date.now() + 20_000
    while (stale < 3 && Date.now() < deadline) await Bun.sleep(50)
    subscription.close()
    expect(stale).toBeGreaterThanOrEqual(3)
    const after = await scrapeUntil((samples) => samples.get(C.open) === 0)
    const connects = delta(before, after, C.connectsNew) + delta(before, after, C.connectsResume)
    expect(connects).toBe(opened)
    expect(delta(before, after, C.closedClient)).toBe(opened)
  }, 60_000)

  test("promtool check metrics accepts the exposition", async () => {
    const text = await (await fetch(`${server.url}/global/metrics`)).text()
    expect(text).toContain("tether_publish_delivery_seconds_bucket")
    expect(text).toContain("process_resident_memory_bytes")
    const promtool = Bun.spawn(["promtool", "check", "metrics"], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    })
    promtool.stdin.write(text)
    await promtool.stdin.end()
    const [code, out, err] = await Promise.all([
      promtool.exited,
      new Response(promtool.stdout).text(),
      new Response(promtool.stderr).text(),
    ])
    expect(`${out}${err}`).toBe("")
    expect(code).toBe(0)
  })
})
