/**
 * createTetherClient against a real local server speaking docs/http-api.md and docs/protocol.md.
 */
import { afterEach, describe, expect, test } from "bun:test"
import {
  createTetherClient,
  isEventType,
  SseHttpError,
  SseStaleError,
  type SubscriptionStatus,
  TetherApiError,
  type TetherEvent,
  TetherNetworkError,
  TetherProtocolError,
} from "../src/index.ts"
import { closedPort, waitFor } from "./helpers/sse-server.ts"
import {
  type FakeTetherServer,
  startTetherServer,
  type TetherServerOptions,
} from "./helpers/tether-server.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(options?: TetherServerOptions): Promise<FakeTetherServer> {
  const started = await startTetherServer(options)
  cleanups.push(() => started.stop())
  return started
}

function subscribe(client: ReturnType<typeof createTetherClient>, options: Record<string, unknown> = {}) {
  const events: TetherEvent[] = []
  const statuses: SubscriptionStatus[] = []
  const subscription = client.global.event.subscribe({
    backoff: { baseMs: 50, capMs: 500, jitter: 0 },
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    ...options,
  })
  cleanups.push(() => subscription.close())
  const durable = () => events.filter((event) => event.id !== "")
  return { subscription, events, statuses, durable }
}

describe("createTetherClient: HTTP calls", () => {
  test("health, config.get, publish", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: `${srv.url}/` })
    expect(client.baseUrl).toBe(srv.url)
    expect(await client.global.health()).toEqual({ healthy: true, version: "0.1.0" })
    const config = await client.global.config.get()
    expect(config.server.event_stream.heartbeat_ms).toBe(10_000)
    interface BuildFinished {
      ok: boolean
    }
    const properties: BuildFinished = { ok: true }
    const published = await client.global.event.publish({ type: "build.finished", properties })
    expect(published.id).toBe(srv.log[0]?.id as string)
    expect(srv.log[0]).toMatchObject({ type: "build.finished", properties: { ok: true } })
    const request = srv.requests.at(-1) as Request
    expect(request.headers.get("content-type")).toBe("application/json")
  })

  test("ready: 200 and 503 both resolve with the body", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    expect(await client.global.ready()).toMatchObject({ ready: true, checks: { bus: { ok: true } } })
    srv.setReady(false)
    expect(await client.global.ready()).toMatchObject({ ready: false, checks: { bus: { ok: false } } })
  })

  test("ready: a 503 that is not a readiness body still throws", async () => {
    const srv = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("<h1>Bad gateway</h1>", { status: 503 }),
    })
    cleanups.push(() => srv.stop(true))
    const client = createTetherClient({ baseUrl: `http://127.0.0.1:${srv.port}` })
    const error = await client.global.ready().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TetherApiError)
    expect((error as TetherApiError).status).toBe(503)
    expect((error as TetherApiError).error.name).toBe("HttpError")
    expect((error as TetherApiError).message).toContain("Bad gateway")
  })

  test("config.update: a valid patch returns the new config; an invalid one throws ConfigInvalid with issues", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const updated = await client.global.config.update({ server: { event_stream: { heartbeat_ms: 2000 } } })
    expect(updated.server.event_stream.heartbeat_ms).toBe(2000)
    const error = await client.global.config
      .update({ server: { event_stream: { heartbeat_ms: 500 } } })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TetherApiError)
    const apiError = error as TetherApiError
    expect(apiError.status).toBe(400)
    expect(apiError.error.name).toBe("ConfigInvalid")
    expect(apiError.issues).toEqual([
      {
        path: "server.event_stream.heartbeat_ms",
        message: "expected an integer from 1000 to 60000, got 500",
      },
    ])
    expect(apiError.message).toContain("PATCH")
    expect(apiError.message).toContain("ConfigInvalid")
    expect((await client.global.config.get()).server.event_stream.heartbeat_ms).toBe(2000)
  })

  test("publish: an unserialisable body is refused before sending; a server refusal is a TetherApiError", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const before = srv.requests.length
    await expect(client.global.event.publish({ type: "x", properties: { big: 1n } })).rejects.toThrow(
      "cannot be sent as JSON",
    )
    await expect(client.global.event.publish({ type: "" })).rejects.toThrow(
      "input.type must be a non-empty string",
    )
    expect(srv.requests.length).toBe(before)
    const notFound = await createTetherClient({ baseUrl: `${srv.url}/nope` })
      .global.health()
      .catch((caught: unknown) => caught)
    expect(notFound).toBeInstanceOf(TetherApiError)
    expect((notFound as TetherApiError).error).toEqual({
      name: "NotFound",
      message: "No route GET /nope/global/health",
    })
  })

  test("password: sent as Bearer on calls; a wrong one gives 401 TetherApiError", async () => {
    const srv = await server({ password: "s3cret" })
    const good = createTetherClient({ baseUrl: srv.url, password: "s3cret" })
    expect((await good.global.health()).healthy).toBe(true)
    expect(srv.requests.at(-1)?.headers.get("authorization")).toBe("Bearer s3cret")
    const bad = createTetherClient({ baseUrl: srv.url, password: "wrong" })
    const error = await bad.global.health().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TetherApiError)
    expect((error as TetherApiError).status).toBe(401)
    expect((error as TetherApiError).error.name).toBe("Unauthorized")
  })

  test("an unreachable server is a TetherNetworkError naming the request", async () => {
    const client = createTetherClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` })
    const error = await client.global.health().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TetherNetworkError)
    expect((error as Error).message).toContain("GET http://127.0.0.1:")
    expect((error as Error).message).toContain("/global/health failed")
  })

  test("an aborted call rejects with the abort, not a network error", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const error = await client.global
      .health({ signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught)
    expect(error).not.toBeInstanceOf(TetherNetworkError)
    expect((error as Error).name).toBe("AbortError")
  })

  test("bad options fail at once with a clear message", () => {
    expect(() => createTetherClient({ baseUrl: "not a url" })).toThrow('baseUrl "not a url" is not a URL')
    expect(() => createTetherClient({ baseUrl: "ftp://x" })).toThrow("http: or https:")
    expect(() => createTetherClient({ baseUrl: "http://x", password: "" })).toThrow("password")
    // What would be dropped from every request is refused instead: credentials, a query, a fragment.
    expect(() => createTetherClient({ baseUrl: "http://me:pw@127.0.0.1:4096" })).toThrow(
      "baseUrl must not carry credentials (user:password@); pass the password as { password }",
    )
    // Each message names what is wrong without repeating a credential: it goes to logs.
    expect(() => createTetherClient({ baseUrl: "http://127.0.0.1:4096/?token=pw&x=1" })).toThrow(
      'baseUrl must not have a query or fragment, got "?token=***&x=1"',
    )
    expect(() => createTetherClient({ baseUrl: "127.0.0.1:4096/?token=pw" })).toThrow(
      'baseUrl "127.0.0.1:4096/?token=***" is not a URL',
    )
    expect(() => createTetherClient({ baseUrl: "ftp://me:pw@127.0.0.1/" })).toThrow(
      'http: or https:, got "ftp://me:***@127.0.0.1/"',
    )
    expect(() => createTetherClient({ baseUrl: "http://127.0.0.1:4096/#x" })).toThrow("query or fragment")
    expect(createTetherClient({ baseUrl: "http://127.0.0.1:4096/prefix///" }).baseUrl).toBe(
      "http://127.0.0.1:4096/prefix",
    )
  })
})

describe("createTetherClient: global.event.subscribe", () => {
  test("receives server.connected and published events; status tracks the last durable id", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client)
    await waitFor("connected", () => sub.events.length === 1)
    const connected = sub.events[0] as TetherEvent
    expect(isEventType(connected, "server.connected")).toBe(true)
    if (isEventType(connected, "server.connected")) expect(connected.properties.heartbeat_ms).toBe(10_000)
    const a = await client.global.event.publish({ type: "a", properties: { n: 1 } })
    const b = await client.global.event.publish({ type: "b", properties: { n: 2 } })
    await waitFor("two events", () => sub.durable().length === 2)
    expect(sub.durable().map((event) => [event.id, event.type])).toEqual([
      [a.id, "a"],
      [b.id, "b"],
    ])
    expect(sub.subscription.status()).toMatchObject({ state: "open", attempt: 0, lastEventId: b.id })
    expect(sub.statuses.at(-1)?.lastEventId).toBe(b.id)
  })

  test("resumes across a server stop and restart: every durable event once, in order", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client)
    await waitFor("connected", () => sub.events.length === 1)
    for (let i = 0; i < 3; i++) srv.publish("before", { i })
    await waitFor("3 events", () => sub.durable().length === 3)
    await srv.stop()
    // Published while the client is away (straight into the log, as another instance would).
    for (let i = 0; i < 3; i++) srv.publish("while-down", { i })
    await waitFor("reconnecting", () => sub.subscription.status().state === "reconnecting")
    await srv.restart()
    await waitFor("6 events", () => sub.durable().length === 6, 5000)
    srv.publish("after", {})
    await waitFor("7 events", () => sub.durable().length === 7)
    expect(sub.durable().map((event) => event.id)).toEqual(srv.log.map((event) => event.id))
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests.at(-1)?.headers.get("last-event-id")).toBe(srv.log[2]?.id as string)
  })

  test("a subscription that has seen no durable event yet still resumes: events published while it is away arrive", async () => {
    const srv = await server()
    srv.publish("before-subscribing", {})
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client)
    await waitFor("connected", () => sub.events.length === 1)
    expect(sub.subscription.status().lastEventId).toBe(srv.log[0]?.id as string)
    await srv.stop()
    const whileDown = [srv.publish("while-down", { i: 0 }), srv.publish("while-down", { i: 1 })]
    await waitFor("reconnecting", () => sub.subscription.status().state === "reconnecting")
    await srv.restart()
    await waitFor("2 events", () => sub.durable().length === 2, 5000)
    expect(sub.durable().map((event) => event.id)).toEqual(whileDown.map((event) => event.id))
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests[0]?.headers.get("last-event-id")).toBeNull()
    expect(streamRequests.at(-1)?.headers.get("last-event-id")).toBe(srv.log[0]?.id as string)
  })

  test("learns heartbeat_ms from server.connected: a silent server is caught at 2.5 × heartbeat", async () => {
    const srv = await server({ heartbeatMs: 200 })
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client)
    await waitFor("a heartbeat", () => sub.events.some((event) => event.type === "server.heartbeat"))
    srv.goSilent()
    const silentAt = Date.now()
    await waitFor("stale", () => sub.statuses.some((status) => status.error instanceof SseStaleError), 5000)
    const after = Date.now() - silentAt
    // 2.5 × 200 = 500 ms after the last heartbeat (which came ≤ 200 ms before going silent).
    expect(after).toBeGreaterThanOrEqual(250)
    expect(after).toBeLessThan(500 + 1000)
    await waitFor("reopened", () => sub.subscription.status().state === "open" && srv.openStreams() >= 1)
  })

  test("a config.updated that raises heartbeat_ms raises the stale limit before the slower heartbeats start", async () => {
    const srv = await server({ heartbeatMs: 200 })
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client)
    await waitFor("a heartbeat", () => sub.events.some((event) => event.type === "server.heartbeat"))
    await client.global.config.update({ server: { event_stream: { heartbeat_ms: 2000 } } })
    await waitFor("config.updated", () => sub.events.some((event) => event.type === "config.updated"))
    // The real server re-plans its next heartbeat 2000 ms after the last one: nothing arrives meanwhile.
    srv.goSilent()
    // Well past the old limit (2.5 × 200 = 500 ms), well within the new one (2.5 × 2000 = 5000 ms).
    await Bun.sleep(1500)
    expect(sub.statuses.some((status) => status.error instanceof SseStaleError)).toBe(false)
    expect(sub.subscription.status().state).toBe("open")
  })

  test("an explicit staleAfterMs wins over the learned one", async () => {
    const srv = await server({ heartbeatMs: 200 })
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client, { staleAfterMs: 1500 })
    await waitFor("a heartbeat", () => sub.events.some((event) => event.type === "server.heartbeat"))
    srv.goSilent()
    await Bun.sleep(900)
    expect(sub.statuses.some((status) => status.error instanceof SseStaleError)).toBe(false)
    await waitFor("stale", () => sub.statuses.some((status) => status.error instanceof SseStaleError), 3000)
  })

  test("server.resync is delivered as an event when the id to resume from is unknown", async () => {
    const srv = await server()
    srv.publish("old", {})
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client, { lastEventId: "does-not-exist" })
    await waitFor("resync", () => sub.events.some((event) => event.type === "server.resync"))
    const resync = sub.events.find((event) => event.type === "server.resync") as TetherEvent
    expect(resync.properties).toEqual({ requested: "does-not-exist", oldest: srv.log[0]?.id as string })
  })

  test("after server.resync the next connection resumes from server.connected's newest id, not the unknown one", async () => {
    const srv = await server()
    for (let i = 0; i < 3; i++) srv.publish("old", { i })
    const client = createTetherClient({ baseUrl: srv.url })
    // An id this log has not issued yet (the client last talked to a server whose log was since wiped).
    const sub = subscribe(client, { lastEventId: "00000005" })
    await waitFor("resync", () => sub.events.some((event) => event.type === "server.resync"))
    expect(sub.subscription.status().lastEventId).toBe("00000003")
    await srv.stop()
    // While the client is away the log grows past the id it first asked for.
    for (let i = 0; i < 4; i++) srv.publish("while-down", { i })
    await waitFor("reconnecting", () => sub.subscription.status().state === "reconnecting")
    await srv.restart()
    await waitFor("00000007", () => sub.durable().some((event) => event.id === "00000007"), 5000)
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests.at(-1)?.headers.get("last-event-id")).toBe("00000003")
    // Every event published after the resync point arrives once: none skipped because the stale id became valid.
    expect(sub.durable().map((event) => event.id)).toEqual(["00000004", "00000005", "00000006", "00000007"])
    expect(sub.events.filter((event) => event.type === "server.resync")).toHaveLength(1)
  })

  test("a resync from an empty log (last_event_id null) keeps the resume point: a reconnect asks again and resyncs again", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const sub = subscribe(client, { lastEventId: "00000005" })
    await waitFor("resync", () => sub.events.some((event) => event.type === "server.resync"))
    expect(sub.subscription.status().lastEventId).toBe("00000005")
    await srv.stop()
    await waitFor("reconnecting", () => sub.subscription.status().state === "reconnecting")
    await srv.restart()
    await waitFor(
      "a second resync",
      () => sub.events.filter((event) => event.type === "server.resync").length === 2,
    )
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests.map((request) => request.headers.get("last-event-id"))).toEqual([
      "00000005",
      "00000005",
    ])
    // The next durable event becomes the resume point.
    const first = srv.publish("first", {})
    await waitFor("the first event", () => sub.subscription.status().lastEventId === first.id)
    expect(sub.durable().map((event) => event.id)).toEqual([first.id])
  })

  test("stream(): events are tracked as they arrive, so a consumer that is behind cannot move the resume point back", async () => {
    const srv = await server()
    for (let i = 0; i < 3; i++) srv.publish("old", { i })
    const client = createTetherClient({ baseUrl: srv.url })
    const statuses: SubscriptionStatus[] = []
    const iterator = client.global.event.stream({
      lastEventId: "00000005",
      backoff: { baseMs: 50, capMs: 500, jitter: 0 },
      onStatus: (status) => statuses.push(status),
    })
    cleanups.push(() => iterator.return())
    expect((await iterator.next()).value?.type).toBe("server.connected")
    // The resync is queued behind the consumer; a live event arrives before it is read.
    const live = srv.publish("live", {})
    await waitFor("live event received", () => statuses.some((status) => status.lastEventId === live.id))
    expect((await iterator.next()).value?.type).toBe("server.resync")
    expect((await iterator.next()).value?.id).toBe(live.id)
    expect(statuses.at(-1)?.lastEventId).toBe(live.id)
    await srv.stop()
    srv.publish("while-down", {})
    await srv.restart()
    expect((await iterator.next()).value?.type).toBe("server.connected")
    expect((await iterator.next()).value?.id).toBe(srv.log.at(-1)?.id as string)
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests.at(-1)?.headers.get("last-event-id")).toBe(live.id)
  })

  test("password: the stream sends Bearer; without it the subscription closes with 401 and does not retry", async () => {
    const srv = await server({ password: "pw" })
    const good = subscribe(createTetherClient({ baseUrl: srv.url, password: "pw" }))
    await waitFor("connected", () => good.events.length === 1)
    const bad = subscribe(createTetherClient({ baseUrl: srv.url }))
    await waitFor("closed", () => bad.subscription.status().state === "closed")
    expect((bad.subscription.status().error as SseHttpError).status).toBe(401)
    const before = srv.requests.length
    await Bun.sleep(200)
    expect(srv.requests.length).toBe(before)
  })

  test("a frame that is not an envelope is reported and skipped; the stream goes on", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const errors: TetherProtocolError[] = []
    const sub = subscribe(client, { onError: (error: TetherProtocolError) => errors.push(error) })
    await waitFor("connected", () => sub.events.length === 1)
    srv.writeRaw('data: not json\n\ndata: {"id":"","type":"x"}\n\n')
    srv.publish("fine", {})
    await waitFor("fine", () => sub.durable().length === 1)
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining("not JSON"),
      expect.stringContaining("`properties` is not an object"),
    ])
    expect(errors[0]).toBeInstanceOf(TetherProtocolError)
  })

  test("close() stops it for good and the server sees the disconnect", async () => {
    const srv = await server()
    const sub = subscribe(createTetherClient({ baseUrl: srv.url }))
    await waitFor("connected", () => srv.openStreams() === 1)
    sub.subscription.close()
    expect(sub.subscription.status().state).toBe("closed")
    await waitFor("server-side cleanup", () => srv.openStreams() === 0)
  })

  test("stream(): an async iterator of events; break closes the connection", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const seen: string[] = []
    const published = (async () => {
      await waitFor("subscribed", () => srv.openStreams() === 1)
      for (let i = 0; i < 5; i++) await client.global.event.publish({ type: `t${i}` })
    })()
    for await (const event of client.global.event.stream()) {
      seen.push(event.type)
      if (event.type === "t4") break
    }
    await published
    expect(seen).toEqual(["server.connected", "t0", "t1", "t2", "t3", "t4"])
    await waitFor("server-side cleanup", () => srv.openStreams() === 0)
  })

  test("stream(): the signal ends the iteration; a refusal is thrown", async () => {
    const srv = await server({ password: "pw" })
    const controller = new AbortController()
    const client = createTetherClient({ baseUrl: srv.url, password: "pw" })
    const types: string[] = []
    for await (const event of client.global.event.stream({ signal: controller.signal })) {
      types.push(event.type)
      controller.abort()
    }
    expect(types).toEqual(["server.connected"])

    const refused = createTetherClient({ baseUrl: srv.url }).global.event.stream()
    const error = await refused.next().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SseHttpError)
  })

  test("stream(): return() while a next() waits closes the connection at once, not after the next event", async () => {
    const srv = await server() // heartbeats every 10 s: far beyond this test's time limit
    const iterator = createTetherClient({ baseUrl: srv.url }).global.event.stream()
    cleanups.push(() => iterator.return())
    expect((await iterator.next()).value?.type).toBe("server.connected")
    const pending = iterator.next()
    expect(await iterator.return()).toEqual({ value: undefined, done: true })
    expect(await pending).toEqual({ value: undefined, done: true })
    await waitFor("the server saw the disconnect", () => srv.openStreams() === 0)
  })

  test("subscribe without onEvent is refused", () => {
    const client = createTetherClient({ baseUrl: "http://127.0.0.1:1" })
    expect(() => client.global.event.subscribe({} as never)).toThrow("onEvent must be a function")
  })
})
