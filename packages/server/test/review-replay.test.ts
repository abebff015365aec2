/**
 * Replay edge cases: a backlog far larger than the client's buffer bound, and retention trimming
 * the log while a replay is between two pages.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type { EventLogShape } from "../src/event/log-shape.ts"
import { makeMemoryLog } from "../src/event/memory-log.ts"
import { formatSequenceId, parseSequenceId } from "../src/event/sequence-id.ts"
import { makeSqliteLog } from "../src/event/sqlite-log.ts"
import { startServer, type TetherServer } from "../src/index.ts"
import { Connection } from "../src/stream/connection.ts"
import { FrameCache } from "../src/stream/frame-cache.ts"
import { LoopBudget } from "../src/stream/loop-budget.ts"
import { REPLAY_PAGE, startStream } from "../src/stream/replay.ts"
import { ReplayPages } from "../src/stream/replay-pages.ts"
import { parseFrames, readWithin, type SseEvent } from "./helpers/sse.ts"

const servers: TetherServer[] = []
const cleanups: (() => void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

/** Reads a stream until `done(events)` holds; rejects on an end, an error or the deadline. */
const readUntil = async (
  body: ReadableStream<Uint8Array>,
  done: (events: SseEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<SseEvent[]> => {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  let buffer = ""
  const deadline = Date.now() + timeoutMs
  try {
    while (!done(events)) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`deadline passed after ${events.length} events`)
      const chunk = await readWithin(reader, left)
      if (chunk === "timeout") throw new Error(`deadline passed after ${events.length} events`)
      if (chunk.done) throw new Error(`stream ended after ${events.length} events`)
      buffer += decoder.decode(chunk.value, { stream: true })
      const parsed = parseFrames(buffer)
      buffer = parsed.rest
      events.push(...parsed.events)
    }
    return events
  } finally {
    await reader.cancel().catch(() => {})
  }
}

/**
 * Starts a stream on `log` from `from`, as the server does, on a connection nobody reads yet (its first
 * page waits for the client): pages, budget and a 64 MiB bound of its own.
 */
const startReplay = (log: EventLogShape, from: string) => {
  const connection = new Connection({
    maxBufferedBytes: () => 64 * 1024 * 1024,
    release: () => {},
    warn: () => {},
  })
  connection.hold()
  const started = startStream(
    connection,
    {
      log,
      pages: new ReplayPages(log, new FrameCache()),
      budget: new LoopBudget(),
      instance: "test",
      heartbeatMs: () => 10_000,
      maxBufferedBytes: () => 64 * 1024 * 1024,
      warn: () => {},
    },
    from,
  )
  return { connection, started }
}

/** A server whose slow-client bound (64 KiB) is far smaller than one replay page. */
const startTight = async () => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    eventLog: "memory",
    appDir: null,
    config: { server: { event_stream: { max_buffered_bytes: 64 * 1024 } } },
  })
  servers.push(server)
  return server
}

describe("replay larger than max_buffered_bytes", () => {
  test("a client far behind receives its whole backlog, paced to what it takes, without being dropped as slow", async () => {
    const server = await startTight()
    // Two pages of 2 KiB events: each page is about 16 times the 64 KiB bound.
    const blob = "x".repeat(2048)
    const ids: string[] = []
    for (let i = 0; i < REPLAY_PAGE * 2 + 10; i++) {
      ids.push((await server.publish({ type: "test.big", properties: { i, blob } })).id)
    }
    const response = await fetch(`${server.url}/global/event`, {
      headers: { "Last-Event-ID": ids[0] as string },
    })
    expect(response.status).toBe(200)
    const want = ids.slice(1)
    const events = await readUntil(
      response.body as ReadableStream<Uint8Array>,
      (seen) => seen.filter((e) => e.id !== null).length >= want.length,
    )
    expect(events.filter((e) => e.id !== null).map((e) => e.id)).toEqual(want)
    expect(events.some((e) => e.type === "server.resync")).toBe(false)
  }, 60_000)
})

describe("retention during a replay", () => {
  test("events trimmed between two replay pages → server.resync, never a silent gap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-review-"))
    const { shape: log, close } = makeSqliteLog(join(dir, "events.sqlite"))
    cleanups.push(() => {
      close()
      rmSync(dir, { recursive: true, force: true })
    })
    const total = REPLAY_PAGE * 2 + 200
    for (let i = 0; i < total; i++) {
      await Effect.runPromise(log.append({ type: "test.n", time: Date.now(), properties: `{"i":${i}}` }))
    }
    // A new log's ids start after its creation time: `id(n)` is its n-th event's.
    const first = Effect.runSync(log.oldest) as string
    const base = Number(first) - 1
    const id = (n: number) => String(base + n).padStart(16, "0")
    // The replay asks `resume` twice before its first page goes out: for the requested id, then (the
    // page read) whether retention has trimmed past it meanwhile. Counted, so the trim below comes
    // after that check whatever the load, never within a guessed window.
    let resumed = 0
    const watched = {
      ...log,
      resume: (requested: string) =>
        log.resume(requested).pipe(Effect.tap(() => Effect.sync(() => resumed++))),
    }
    const { connection, started } = startReplay(watched, first)
    // The client has not read anything yet: the first page, read and checked, waits for it. Retention
    // trims meanwhile, past the end of that first page.
    await waitFor(() => resumed >= 2, 20_000)
    await Effect.runPromise(log.trim(100))
    const events = await readUntil(
      connection.stream,
      (seen) => seen.some((e) => e.type === "server.resync") || seen.some((e) => e.id === id(total)),
    )
    await started
    const durable = events.filter((e) => e.id !== null).map((e) => Number(e.id))
    const resync = events.findIndex((e) => e.type === "server.resync")
    // Whatever came before a resync (or everything, without one) is gapless from the requested id.
    const beforeResync =
      resync === -1
        ? durable
        : events
            .slice(0, resync)
            .filter((e) => e.id !== null)
            .map((e) => Number(e.id))
    expect(beforeResync).toEqual(beforeResync.map((_, i) => base + i + 2))
    // The first page went out whole before the trim was noticed: the resync came between pages.
    expect(beforeResync).toHaveLength(REPLAY_PAGE)
    // And events were trimmed past what the client saw, so it must have been told.
    expect(resync).not.toBe(-1)
    const properties = (events[resync] as SseEvent).properties
    expect(properties.oldest).toBe(id(total - 100 + 1))
    connection.end("client")
  }, 60_000)
})

describe("a gapless log (ids numbered without a hole, as Redis's)", () => {
  // The memory log's ids are consecutive numbers: given `previous`, it is gapless like the Redis log.
  const gapless = () => {
    const log = makeMemoryLog()
    let resumed = 0
    let reads = 0
    const shape: EventLogShape = {
      ...log,
      previous: (id) => formatSequenceId((parseSequenceId(id) as number) - 1),
      resume: (requested) => log.resume(requested).pipe(Effect.tap(() => Effect.sync(() => resumed++))),
      readAfter: (after, limit) =>
        log.readAfter(after, limit).pipe(Effect.tap(() => Effect.sync(() => reads++))),
    }
    return { log: shape, resumed: () => resumed, reads: () => reads }
  }
  const append = (log: EventLogShape, n: number) =>
    Effect.runSync(log.append({ type: "test.n", time: 0, properties: `{"n":${n}}` })).id

  test("pages that start at the next number are not checked again: one resume question per stream", async () => {
    const { log, resumed } = gapless()
    const ids = Array.from({ length: REPLAY_PAGE * 2 + 10 }, (_, n) => append(log, n))
    const { connection, started } = startReplay(log, ids[0] as string)
    const events = await readUntil(connection.stream, (seen) => seen.some((e) => e.id === ids.at(-1)))
    await started
    expect(events.filter((e) => e.id !== null).map((e) => e.id)).toEqual(ids.slice(1))
    // Three pages read (two full, one short), the resume point asked once: none of them had a hole.
    expect(resumed()).toBe(1)
    connection.end("client")
  })

  test("a page that starts past a hole (trimmed between two pages) is checked, and the client resyncs", async () => {
    const { log, resumed, reads } = gapless()
    const total = REPLAY_PAGE * 2 + 200
    const ids = Array.from({ length: total }, (_, n) => append(log, n))
    const { connection, started } = startReplay(log, ids[0] as string)
    // Nobody reads the stream yet: the first page, read without a question (it follows ids[0]),
    // waits for the client. Retention trims past its end meanwhile.
    await waitFor(() => reads() >= 1, 20_000)
    expect(resumed()).toBe(1)
    await Effect.runPromise(log.trim(100))
    const events = await readUntil(
      connection.stream,
      (seen) => seen.some((e) => e.type === "server.resync") || seen.some((e) => e.id === ids.at(-1)),
    )
    await started
    const resync = events.findIndex((e) => e.type === "server.resync")
    expect(resync).not.toBe(-1)
    const before = events
      .slice(0, resync)
      .filter((e) => e.id !== null)
      .map((e) => e.id)
    // The first page whole, then the resync, which names the oldest retained event.
    expect(before).toEqual(ids.slice(1, 1 + REPLAY_PAGE))
    expect((events[resync] as SseEvent).properties.oldest).toBe(ids[total - 100])
    expect(resumed()).toBe(2)
    connection.end("client")
  })
})

describe("odd resume points", () => {
  test("garbage, empty, padded, future and huge ids resync or replay correctly, and the server stays healthy", async () => {
    const server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: null })
    servers.push(server)
    const a = await server.publish({ type: "test.a" })
    const b = await server.publish({ type: "test.b" })
    const firstFrames = async (init: { header?: string; query?: string }) => {
      const response = await fetch(`${server.url}/global/event${init.query ?? ""}`, {
        headers: init.header === undefined ? {} : { "Last-Event-ID": init.header },
      })
      expect(response.status).toBe(200)
      return readUntil(
        response.body as ReadableStream<Uint8Array>,
        (seen) => seen.some((e) => e.type === "server.resync" || e.id === b.id),
        10_000,
      )
    }
    const resync = (events: SseEvent[]) => events.find((e) => e.type === "server.resync")?.properties
    for (const odd of [
      "garbage",
      "1",
      "-1",
      "1e3",
      "0x1",
      "00000000000000001",
      // Before this log began (a new log's ids start after its creation time): from an older log.
      "0000000000000000",
      String(Number(a.id) - 1000).padStart(16, "0"),
      "9".repeat(16),
      "9".repeat(4000),
    ]) {
      const events = await firstFrames({ header: odd })
      expect({ odd, resync: resync(events) }).toEqual({ odd, resync: { requested: odd, oldest: a.id } })
    }
    for (const odd of ["%00%0A", "%E2%80%A8", "%FF"]) {
      const events = await firstFrames({ query: `?last_event_id=${odd}` })
      expect(resync(events)?.requested).toBe(decodeURIComponent(odd.replace("%FF", "%EF%BF%BD")))
    }
    // A retained id replays what follows it; the header wins over the query.
    const all = await firstFrames({ header: a.id, query: `?last_event_id=${b.id}` })
    expect(all.filter((e) => e.id !== null).map((e) => e.id)).toEqual([b.id])
    expect(resync(all)).toBeUndefined()
    await waitFor(() => server.connections() === 0)
    expect((await fetch(`${server.url}/global/health`)).status).toBe(200)
  }, 60_000)

  test("a client that goes away while its replay waits to be taken leaves no connection behind", async () => {
    const server = await startTight()
    const blob = "z".repeat(8 * 1024)
    const first = await server.publish({ type: "test.big", properties: { blob } })
    for (let i = 0; i < 3000; i++) await server.publish({ type: "test.big", properties: { i, blob } })
    // Every client stays referenced until it is told to go: a response body nothing refers to any more
    // is collected, and Bun then closes its request, so the client would leave on its own (the test
    // once failed that way in full runs, where collections come often).
    const readers: ReadableStreamDefaultReader<Uint8Array>[] = []
    for (let round = 0; round < 5; round++) {
      const controller = new AbortController()
      const response = await fetch(`${server.url}/global/event`, {
        headers: { "Last-Event-ID": first.id },
        signal: controller.signal,
      })
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      readers.push(reader)
      expect((await reader.read()).done).toBe(false)
      // 24 MiB of replay cannot all sit in socket buffers: the replay is waiting for this client, and
      // neither the wait nor a collection meanwhile ends a connection whose client is still there.
      await Bun.sleep(50)
      Bun.gc(true)
      await Bun.sleep(50)
      expect(server.connections()).toBe(1)
      controller.abort()
      // Gone as soon as the server sees the client leave, whatever the load: a deadline, not a window.
      await waitFor(() => server.connections() === 0, 20_000)
    }
    for (const reader of readers) await reader.cancel().catch(() => {})
  }, 60_000)
})

const waitFor = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time")
    await Bun.sleep(20)
  }
}
