/**
 * The reconnect schedule of openEventStream, with an injected clock and random source and real sockets:
 * the delays come from the clock's timers, the failures from a real refused port or a real server.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { openEventStream } from "../src/sse/open.ts"
import type { EventStreamHandle, OpenEventStreamOptions } from "../src/sse/types.ts"
import { createFakeClock, type FakeClock } from "./helpers/fake-clock.ts"
import { closedPort, frame, startServer, waitFor } from "./helpers/sse-server.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function open(url: string, clock: FakeClock, options: OpenEventStreamOptions = {}): EventStreamHandle {
  const handle = openEventStream(url, { clock, random: () => 0.5, ...options })
  cleanups.push(() => handle.close())
  return handle
}

/** Waits for the stream to schedule its next attempt, returns that delay, and lets it fire. */
async function nextDelay(handle: EventStreamHandle, clock: FakeClock, attempt: number): Promise<number> {
  await waitFor(`attempt ${attempt} scheduled`, () => {
    const status = handle.status()
    return status.state === "reconnecting" && status.attempt === attempt && status.nextRetryAt !== undefined
  })
  const delay = (handle.status().nextRetryAt as number) - clock.now()
  clock.advance(delay)
  return delay
}

describe("reconnect schedule (injected clock and random)", () => {
  test("a refused port: 500, 1000, 2000, 4000 … capped at 30000", async () => {
    const clock = createFakeClock()
    const handle = open(`http://127.0.0.1:${await closedPort()}/`, clock)
    const delays: number[] = []
    for (let attempt = 1; attempt <= 10; attempt++) delays.push(await nextDelay(handle, clock, attempt))
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000])
  })

  test("jitter bounds: random 0 gives 0.75×, random → 1 gives 1.25×", async () => {
    const port = await closedPort()
    for (const [random, expected] of [
      [0, [375, 750, 1500]],
      [0.999_999_9, [625, 1250, 2500]],
    ] as const) {
      const clock = createFakeClock()
      const handle = open(`http://127.0.0.1:${port}/`, clock, { random: () => random })
      const delays: number[] = []
      for (let attempt = 1; attempt <= 3; attempt++) delays.push(await nextDelay(handle, clock, attempt))
      expect(delays).toEqual([...expected])
      handle.close()
    }
  })

  test("a heartbeat resets the attempt counter: back to 500 after failures", async () => {
    let calls = 0
    const srv = await startServer((_request, _seen, open) => {
      calls++
      // Three failures, then a stream that sends one heartbeat and ends, twice.
      if (calls <= 3) return new Response("down", { status: 503 })
      return open(frame('{"type":"server.heartbeat"}'))
    })
    cleanups.push(() => srv.stop())
    const clock = createFakeClock()
    const handle = open(srv.url, clock)
    const delays = [
      await nextDelay(handle, clock, 1),
      await nextDelay(handle, clock, 2),
      await nextDelay(handle, clock, 3),
    ]
    expect(delays).toEqual([500, 1000, 2000])
    await waitFor("heartbeat received", () => handle.status().lastEventAt !== undefined)
    expect(handle.status().attempt).toBe(0)
    srv.connections.at(-1)?.end()
    expect(await nextDelay(handle, clock, 1)).toBe(500)
    await waitFor(
      "second heartbeat connection",
      () => srv.connections.length === 2 && handle.status().attempt === 0,
    )
    srv.connections.at(-1)?.end()
    expect(await nextDelay(handle, clock, 1)).toBe(500)
  })

  test("no escalation while healthy: a stream that keeps delivering stays at attempt 0", async () => {
    const srv = await startServer((_request, _seen, open) => open(frame("connected")))
    cleanups.push(() => srv.stop())
    const clock = createFakeClock()
    const attempts: number[] = []
    const handle = open(srv.url, clock, { onStatus: (status) => attempts.push(status.attempt) })
    await waitFor("connected", () => handle.status().lastEventAt !== undefined)
    for (let i = 0; i < 20; i++) {
      clock.advance(1000)
      srv.connections[0]?.write(frame("heartbeat"))
    }
    await waitFor("21 frames", () => handle.status().lastEventAt === clock.now())
    expect(Math.max(...attempts)).toBe(0)
    expect(clock.pendingDelays()).toEqual([])
    expect(srv.requests).toHaveLength(1)
  })

  test("a long outage (over two minutes of clock time) ends in a resume with Last-Event-ID", async () => {
    const port = await closedPort()
    const clock = createFakeClock()
    const handle = open(`http://127.0.0.1:${port}/`, clock, { lastEventId: "41" })
    let waited = 0
    for (let attempt = 1; attempt <= 9; attempt++) waited += await nextDelay(handle, clock, attempt)
    expect(waited).toBe(121_500)
    await waitFor(
      "attempt 10 scheduled",
      () => handle.status().attempt === 10 && handle.status().nextRetryAt !== undefined,
    )
    // The server comes back on the same port while the client waits its capped delay.
    const srv = await startServer((_request, _seen, open) => open(frame("back", "42")), port)
    cleanups.push(() => srv.stop())
    expect(clock.pendingDelays()).toEqual([30_000])
    clock.advance(30_000)
    await waitFor("resumed", () => handle.status().lastEventId === "42")
    expect(srv.requests[0]?.headers.get("last-event-id")).toBe("41")
    expect(handle.status()).toMatchObject({ state: "open", attempt: 0 })
  })
})
