/**
 * `openEventStream` and `createTetherClient` as other servers and other people's `fetch` wrappers meet them:
 * the Last-Event-ID bytes on the wire, the URL checked at once, the `init` a custom `fetch` receives, and a
 * response without a body. Real servers on 127.0.0.1 throughout.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { createTetherClient } from "../src/client.ts"
import { openEventStream } from "../src/sse/open.ts"
import type { OpenEventStreamOptions } from "../src/sse/types.ts"
import type { TetherEvent } from "../src/wire.ts"
import { startRawHttpServer } from "./helpers/raw-http-server.ts"
import { openRecording } from "./helpers/recording-stream.ts"
import { frame, startServer, waitFor } from "./helpers/sse-server.ts"
import { startTetherServer } from "./helpers/tether-server.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Opens a stream recording messages and statuses; fast, jitter-free retries unless overridden. */
const open = (url: string | URL, options: OpenEventStreamOptions = {}) =>
  openRecording(url, options, cleanups)

const utf8 = (text: string) => new TextEncoder().encode(text)

/** The common wrapper: spread `init.headers` into a new object and add one of your own. */
const wrappingFetch = (seen: RequestInit[] = []): typeof fetch =>
  ((input: RequestInfo | URL, init: RequestInit = {}) => {
    seen.push(init)
    return fetch(input, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), "X-Wrapped": "yes" },
    })
  }) as typeof fetch

describe("Last-Event-ID goes out UTF-8 encoded, as the HTML standard and Chromium send it", () => {
  for (const id of ["café", "…", "😀", "id-1 ✓ café 😀"]) {
    test(`an id ${JSON.stringify(id)} from the server is sent back as its UTF-8 bytes`, async () => {
      const srv = startRawHttpServer((_request, index) => (index === 0 ? `id: ${id}\ndata: a\n\n` : ""))
      cleanups.push(() => srv.stop())
      const stream = open(srv.url)
      await waitFor("the reconnect after the first response ended", () => srv.requests.length >= 2)
      expect(srv.requests[0]?.header("last-event-id")).toBeUndefined()
      expect(srv.requests[1]?.header("last-event-id")).toEqual(utf8(id))
      expect(stream.messages).toEqual([{ id, event: "message", data: "a" }])
      expect(stream.handle.status().state).not.toBe("closed")
      expect(stream.handle.status().lastEventId).toBe(id)
    })
  }

  test("the lastEventId option and setLastEventId take the same path", async () => {
    const srv = startRawHttpServer(() => "data: a\n\n")
    cleanups.push(() => srv.stop())
    const stream = open(srv.url, { lastEventId: "😀 first" })
    await waitFor("the first request", () => srv.requests.length >= 1)
    stream.handle.setLastEventId("… second")
    const seen = srv.requests.length
    await waitFor("a request after setLastEventId", () => srv.requests.length > seen)
    expect(srv.requests[0]?.header("last-event-id")).toEqual(utf8("😀 first"))
    expect(srv.requests.at(-1)?.header("last-event-id")).toEqual(utf8("… second"))
    expect(stream.handle.status().state).not.toBe("closed")
  })

  test("an id that no header can carry (NUL, CR, LF) is refused at once, as an option too", () => {
    for (const id of ["a\nb", "a\rb", "a\0b"]) {
      expect(() => openEventStream("http://127.0.0.1:9/", { lastEventId: id })).toThrow(TypeError)
    }
  })
})

describe("the URL is checked at once, like new EventSource", () => {
  test("a value that is not a URL throws, and nothing is fetched", () => {
    let fetched = 0
    const countingFetch = (() => {
      fetched++
      return Promise.reject(new Error("never"))
    }) as unknown as typeof fetch
    const attempt = (url: unknown) => () => openEventStream(url as string, { fetch: countingFetch })
    expect(attempt(123)).toThrow(TypeError)
    expect(attempt(undefined)).toThrow(TypeError)
    expect(attempt({ href: "http://127.0.0.1/" })).toThrow(TypeError)
    expect(attempt("not a url")).toThrow(SyntaxError)
    expect(attempt("not a url")).toThrow(/"not a url" is not a URL/)
    expect(attempt("http://[::1")).toThrow(SyntaxError)
    expect(attempt("ftp://127.0.0.1/events")).toThrow(TypeError)
    expect(attempt("ftp://127.0.0.1/events")).toThrow(/http: or https:/)
    expect(fetched).toBe(0)
  })

  test("a URL object and a string are both accepted; the error hides a password", async () => {
    const srv = await startServer((_request, _seen, open) => open(frame("a", "1")))
    cleanups.push(() => srv.stop())
    const stream = open(`${srv.url}/events`)
    const fromUrl = open(new URL("/events", srv.url))
    await waitFor("both streams got the event", () => stream.messages.length + fromUrl.messages.length === 2)
    expect(() => openEventStream("ftp://user:hunter2@127.0.0.1/")).toThrow(/user:\*\*\*@/)
  })

  test("a URL that does not parse (the scheme forgotten) still hides its token and password", () => {
    const message = (url: string): string => {
      try {
        openEventStream(url)
      } catch (error) {
        expect(error).toBeInstanceOf(SyntaxError)
        return (error as Error).message
      }
      throw new Error(`${url} was accepted`)
    }
    const noScheme = message("127.0.0.1:4096/global/event?last_event_id=7&token=hunter2")
    expect(noScheme).toContain('"127.0.0.1:4096/global/event?last_event_id=7&token=***" is not a URL')
    expect(message("http://me:hunter2@[::1/global/event")).toContain('"http://me:***@[::1/global/event"')
    expect(message("//me:hunter2@127.0.0.1:4096/global/event?access_token=hunter2")).not.toContain("hunter2")
  })
})

describe("a custom fetch receives init.headers as a plain object", () => {
  test("openEventStream: the spread-and-add wrapper keeps Accept and Last-Event-ID", async () => {
    let n = 0
    const srv = await startServer((_request, _seen, open) => {
      n++
      return open(frame(`e${n}`, String(n)))
    })
    cleanups.push(() => srv.stop())
    const seen: RequestInit[] = []
    const stream = open(srv.url, { fetch: wrappingFetch(seen), headers: { Authorization: "Bearer t" } })
    await waitFor("first message", () => stream.messages.length === 1)
    srv.connections[0]?.end()
    await waitFor("second message", () => stream.messages.length === 2)
    expect(Object.getPrototypeOf(seen[0]?.headers)).toBe(Object.prototype)
    const second = srv.requests[1]?.headers
    expect(second?.get("accept")).toBe("text/event-stream")
    expect(second?.get("last-event-id")).toBe("1")
    expect(second?.get("authorization")).toBe("Bearer t")
    expect(second?.get("x-wrapped")).toBe("yes")
  })

  test("createTetherClient: calls and the stream keep the password and the resume point", async () => {
    const srv = await startTetherServer({ password: "pw", retryMs: 50 })
    cleanups.push(() => srv.stop())
    const client = createTetherClient({ baseUrl: srv.url, password: "pw", fetch: wrappingFetch() })
    expect(await client.global.health()).toEqual({ healthy: true, version: "0.1.0" })
    const events: TetherEvent[] = []
    const subscription = client.global.event.subscribe({
      onEvent: (event) => events.push(event),
      backoff: { baseMs: 50, capMs: 200, jitter: 0 },
    })
    cleanups.push(() => subscription.close())
    await waitFor("connected", () => srv.openStreams() === 1)
    await client.global.event.publish({ type: "a" })
    await waitFor("a", () => events.some((event) => event.type === "a"))
    await srv.stop()
    srv.publish("b")
    await srv.restart()
    await waitFor("b replayed after the restart", () => events.some((event) => event.type === "b"), 10_000)
    expect(subscription.status().state).toBe("open")
    const streams = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streams.at(-1)?.headers.get("last-event-id")).toBe(srv.log[0]?.id as string)
    expect(streams.at(-1)?.headers.get("accept")).toBe("text/event-stream")
    const publish = srv.requests.find((request) => request.method === "POST")
    expect(publish?.headers.get("content-type")).toBe("application/json")
    expect(publish?.headers.get("x-wrapped")).toBe("yes")
  })
})

test('the stream asks browsers not to cache it (cache: "no-store")', async () => {
  const srv = await startServer((_request, _seen, open) => open(frame("a", "1")))
  cleanups.push(() => srv.stop())
  const seen: RequestInit[] = []
  const stream = open(srv.url, { fetch: wrappingFetch(seen) })
  await waitFor("a message", () => stream.messages.length === 1)
  expect(seen[0]?.cache).toBe("no-store")
})

describe("a response without a body", () => {
  test("a 200 event stream whose body is null (a fetch that cannot stream) closes with a TypeError, no retry", async () => {
    const srv = await startServer((_request, _seen, open) => open(frame("a", "1")))
    cleanups.push(() => srv.stop())
    const noBodyFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init)
      void response.body?.cancel()
      return new Response(null, { status: response.status, headers: response.headers })
    }) as typeof fetch
    const stream = open(srv.url, { fetch: noBodyFetch })
    await waitFor("closed", () => stream.handle.status().state === "closed")
    const { error } = stream.handle.status()
    expect(error).toBeInstanceOf(TypeError)
    expect(error?.message).toContain("no body")
    expect(stream.statuses.map((status) => status.state)).toEqual(["connecting", "closed"])
    await Bun.sleep(200)
    expect(srv.requests).toHaveLength(1)
  })

  test("an empty body is a normal end of stream: reconnected, as the spec says", async () => {
    const srv = startRawHttpServer(() => "")
    cleanups.push(() => srv.stop())
    const stream = open(srv.url)
    await waitFor("three requests", () => srv.requests.length >= 3)
    expect(stream.statuses.map((status) => status.state)).toContain("open")
    expect(stream.handle.status().state).not.toBe("closed")
  })
})

test("the events of one chunk reach onMessage back to back, in one task (README: Delivery and the event loop)", async () => {
  const srv = startRawHttpServer((_request, index) =>
    index === 0 ? `${frame("a", "1")}${frame("b", "2")}${frame("c", "3")}` : "",
  )
  cleanups.push(() => srv.stop())
  const order: string[] = []
  const stream = open(srv.url, {
    onMessage: (message) => {
      order.push(message.data)
      // Queued after the first event: a task between events would run it before the second.
      if (message.data === "a") setImmediate(() => order.push("task"))
    },
  })
  await waitFor("three messages and the task", () => order.length === 4)
  expect(order).toEqual(["a", "b", "c", "task"])
  expect(stream.handle.status().lastEventId).toBe("3")
})
