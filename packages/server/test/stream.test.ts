/**
 * The event stream against a real in-process server on a free port: ordering, resume, resync,
 * cleanup after disconnects, refused publishes, and live config changes.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { validateConfig } from "@tether/core"
import { Effect } from "effect"
import { startServer, type TetherServer } from "../src/index.ts"
import { connectSse, type SseEvent } from "./helpers/sse.ts"

const servers: TetherServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

const start = async (eventStream: Record<string, number> = {}) => {
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    eventLog: "memory",
    appDir: null,
    config: { server: { event_stream: eventStream } },
  })
  servers.push(server)
  return server
}

const post = (server: TetherServer, body: unknown, raw?: string) =>
  fetch(`${server.url}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: raw ?? JSON.stringify(body),
  })

const durable = (events: SseEvent[]) => events.filter((event) => event.id !== null)

const waitUntil = async (check: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time")
    await Bun.sleep(10)
  }
}

describe("GET /global/event", () => {
  test("sends the stream headers, then published events in order with increasing ids", async () => {
    const server = await start()
    const stream = await connectSse(server.url)
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream")
    expect(stream.response.headers.get("cache-control")).toBe("no-cache, no-transform")
    expect(stream.response.headers.get("x-accel-buffering")).toBe("no")
    expect(stream.response.headers.get("content-encoding")).toBeNull()
    expect((await stream.next())?.type).toBe("server.connected")
    const ids: string[] = []
    for (let n = 0; n < 50; n++) {
      const response = await post(server, { type: "test.count", properties: { n } })
      expect(response.status).toBe(202)
      ids.push(((await response.json()) as { id: string }).id)
    }
    const events = durable(await stream.until((event) => event.properties.n === 49))
    expect(events.map((event) => event.properties.n)).toEqual([...Array(50).keys()])
    expect(events.map((event) => event.id)).toEqual(ids)
    for (const event of events) expect(event.envelopeId).toBe(event.id as string)
    const sorted = [...ids].sort()
    expect(sorted).toEqual(ids)
    expect(new Set(ids).size).toBe(50)
    stream.close()
  })

  test("many connect/disconnect cycles leave no connection behind", async () => {
    const server = await start({ heartbeat_ms: 1000 })
    for (let round = 0; round < 10; round++) {
      const streams = await Promise.all(Array.from({ length: 20 }, () => connectSse(server.url)))
      await Promise.all(streams.map((stream) => stream.next()))
      expect(server.connections()).toBe(20)
      for (const stream of streams) stream.close()
      await waitUntil(() => server.connections() === 0)
    }
    expect(server.connections()).toBe(0)
    // The server still works for a new stream: its heartbeat and events arrive.
    const stream = await connectSse(server.url)
    await stream.next()
    expect(server.connections()).toBe(1)
    const heartbeat = await stream.until((event) => event.type === "server.heartbeat", 5000)
    expect(heartbeat.length).toBeGreaterThan(0)
    stream.close()
    await waitUntil(() => server.connections() === 0)
  }, 60_000)

  test("Last-Event-ID replays every retained event after it, then live ones, no gap and no duplicate, while publishing", async () => {
    const server = await start()
    const ids: string[] = []
    for (let n = 0; n < 1500; n++)
      ids.push((await server.publish({ type: "test.seq", properties: { n } })).id)
    const from = ids[99] as string
    // Publish more while the replay is being read.
    let publishing = true
    const publisher = (async () => {
      let n = 1500
      while (publishing && n < 3000) {
        ids.push((await server.publish({ type: "test.seq", properties: { n } })).id)
        n++
        if (n % 20 === 0) await Bun.sleep(1)
      }
    })()
    const stream = await connectSse(server.url, { lastEventId: from })
    await Bun.sleep(200)
    publishing = false
    await publisher
    const last = ids[ids.length - 1] as string
    const events = durable(await stream.until((event) => event.id === last, 20_000))
    const expected = ids.slice(100)
    expect(events.map((event) => event.id)).toEqual(expected)
    expect(events.map((event) => event.properties.n)).toEqual(expected.map((_, i) => i + 100))
    stream.close()
  }, 60_000)

  test("?last_event_id= resumes like the header on a first connect", async () => {
    const server = await start()
    const ids: string[] = []
    for (let n = 0; n < 5; n++) ids.push((await server.publish({ type: "test.q", properties: { n } })).id)
    const stream = await connectSse(server.url, { query: `?last_event_id=${ids[1]}` })
    const events = durable(await stream.until((event) => event.id === ids[4]))
    expect(events.map((event) => event.id)).toEqual(ids.slice(2))
    stream.close()
  })

  test("a trimmed or unknown id first gets server.resync {requested, oldest}, then live events", async () => {
    const server = await start({ retention_events: 10 })
    const ids: string[] = []
    for (let n = 0; n < 30; n++) ids.push((await server.publish({ type: "test.trim", properties: { n } })).id)
    // Retention trims in the background (every second), never on the publish path.
    const oldestAfterTrim = ids[20] as string
    let connected: SseEvent | undefined
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const probe = await connectSse(server.url, { lastEventId: ids[0] as string })
      const [first, second] = [await probe.next(), await probe.next(2000).catch(() => null)]
      probe.close()
      connected = first ?? undefined
      if (second?.type === "server.resync" && second.properties.oldest === oldestAfterTrim) break
      await Bun.sleep(200)
    }
    expect(connected?.properties.last_event_id).toBe(ids[29])

    const trimmed = await connectSse(server.url, { lastEventId: ids[5] as string })
    expect((await trimmed.next())?.type).toBe("server.connected")
    const resync = await trimmed.next()
    expect(resync?.type).toBe("server.resync")
    expect(resync?.id).toBeNull()
    expect(resync?.properties).toEqual({ requested: ids[5], oldest: oldestAfterTrim })
    const live = await server.publish({ type: "test.trim", properties: { n: 30 } })
    const next = await trimmed.next()
    expect(next?.id).toBe(live.id)
    trimmed.close()

    // The id just before the oldest retained one lost nothing: a plain replay, no resync.
    const edge = await connectSse(server.url, { lastEventId: ids[19] as string })
    await edge.next()
    const afterEdge = durable(await edge.until((event) => event.id === live.id))
    expect(afterEdge.map((event) => event.id)).toEqual([...ids.slice(20), live.id])
    edge.close()

    for (const unknown of ["not-an-id", "9999999999999999"]) {
      const stream = await connectSse(server.url, { lastEventId: unknown })
      await stream.next()
      const event = await stream.next()
      expect(event?.type).toBe("server.resync")
      expect(event?.properties.requested).toBe(unknown)
      stream.close()
    }
  }, 30_000)

  test("a heartbeat_ms change applies to open streams without a reconnect", async () => {
    const server = await start({ heartbeat_ms: 60_000 })
    const stream = await connectSse(server.url)
    expect((await stream.next())?.properties.heartbeat_ms).toBe(60_000)
    await Bun.sleep(1200)
    await Effect.runPromise(
      server.config.set(validateConfig({ server: { event_stream: { heartbeat_ms: 1000 } } }, null)),
    )
    const started = Date.now()
    const first = await stream.until((event) => event.type === "server.heartbeat", 5000)
    expect(first.at(-1)?.properties.heartbeat_ms).toBe(1000)
    // A second has already passed since the last tick: the new cadence starts at once.
    expect(Date.now() - started).toBeLessThan(1500)
    await stream.until((event) => event.type === "server.heartbeat", 3000)
    stream.close()
  }, 20_000)
})

describe("POST /global/event", () => {
  test("bad publishes get 400 with a clear message and store nothing", async () => {
    const server = await start()
    const before = await server.publish({ type: "test.before" })
    const cases: [string, string, RegExp][] = [
      ["not JSON", "{nope", /not valid JSON/],
      ["no type", JSON.stringify({ properties: {} }), /type: expected a non-empty string/],
      ["type not a string", JSON.stringify({ type: 42 }), /type: expected a non-empty string, got number 42/],
      ["empty type", JSON.stringify({ type: "" }), /type: expected a non-empty string/],
      ["reserved type", JSON.stringify({ type: "server.heartbeat" }), /reserved/],
      [
        "properties an array",
        JSON.stringify({ type: "x", properties: [1] }),
        /properties: expected an object, got an array/,
      ],
      ["unknown key", JSON.stringify({ type: "x", id: "1" }), /unknown key "id"/],
      ["array body", "[]", /expected an object/],
      [
        "oversized",
        JSON.stringify({ type: "x", properties: { blob: "a".repeat(300 * 1024) } }),
        /over the limit/,
      ],
    ]
    for (const [name, body, message] of cases) {
      const response = await post(server, undefined, body)
      expect({ name, status: response.status }).toEqual({ name, status: 400 })
      const error = (
        (await response.json()) as {
          error: { name: string; message: string; issues?: { path: string; message: string }[] }
        }
      ).error
      expect(error.name).toBe("EventInvalid")
      expect(error.message).toMatch(message)
      // A field at fault is named, for a form to show the message there.
      if (error.message.startsWith("type:")) expect(error.issues?.[0]?.path).toBe("type")
      if (error.message.startsWith("properties")) expect(error.issues?.[0]?.path).toBe("properties")
    }
    // In-process, the values JSON cannot carry are refused the same way.
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(server.publish({ type: "x", properties: { big: 1n } })).rejects.toMatchObject({
      name: "EventInvalid",
      message: expect.stringMatching(/BigInt/),
    })
    await expect(server.publish({ type: "x", properties: circular })).rejects.toMatchObject({
      name: "EventInvalid",
    })
    // Nothing was stored: the next id directly follows the last good one, and a replay shows nothing in between.
    const stream = await connectSse(server.url, { lastEventId: before.id })
    const connected = await stream.next()
    expect(connected?.properties.last_event_id).toBe(before.id)
    const after = await server.publish({ type: "test.after" })
    const next = await stream.next()
    expect(next?.id).toBe(after.id)
    expect(next?.type).toBe("test.after")
    stream.close()
  })
})

describe("routing", () => {
  test("health, config, 404 and 405 answer JSON", async () => {
    const server = await start({ heartbeat_ms: 2000 })
    const health = await fetch(`${server.url}/global/health`)
    expect(await health.json()).toEqual({ healthy: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    const config = (await (await fetch(`${server.url}/global/config`)).json()) as {
      server: { port: number; event_stream: { heartbeat_ms: number } }
    }
    expect(config.server.event_stream.heartbeat_ms).toBe(2000)
    // Started with port 0: the effective config names the port actually bound.
    expect(config.server.port).toBe(server.port)
    expect(server.port).toBeGreaterThan(0)
    const missing = await fetch(`${server.url}/global/nope`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { name: string } }).error.name).toBe("NotFound")
    const wrongMethod = await fetch(`${server.url}/global/health`, { method: "DELETE" })
    expect(wrongMethod.status).toBe(405)
    const head = await fetch(`${server.url}/global/event`, { method: "HEAD" })
    expect(head.status).toBe(200)
    expect(head.headers.get("content-type")).toBe("text/event-stream")
    expect(server.connections()).toBe(0)
    const notBuilt = await fetch(`${server.url}/`)
    expect(notBuilt.status).toBe(404)
    expect(((await notBuilt.json()) as { error: { message: string } }).error.message).toContain(
      "bun run build",
    )
  })
})
