/**
 * openEventStream against real local servers (Bun.serve on a free port): reconnects, Last-Event-ID,
 * the stale watchdog, refusals that must not retry, and close() racing a reconnect.
 */
import { afterEach, describe, expect, test } from "bun:test"
import {
  SseContentTypeError,
  SseEventTooLarge,
  SseHttpError,
  SseNetworkError,
  SseStaleError,
  SseStreamEnded,
} from "../src/errors.ts"
import { openEventStream, redactUrl } from "../src/sse/open.ts"
import type { EventStreamHandle, OpenEventStreamOptions } from "../src/sse/types.ts"
import { createFakeClock } from "./helpers/fake-clock.ts"
import { openRecording } from "./helpers/recording-stream.ts"
import { frame, startServer, type TestServer, waitFor } from "./helpers/sse-server.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const started = await startServer(...args)
  cleanups.push(() => started.stop())
  return started
}

/** Opens a stream recording messages and statuses; fast, jitter-free retries unless overridden. */
const open = (url: string | URL, options: OpenEventStreamOptions = {}) =>
  openRecording(url, options, cleanups)

describe("openEventStream", () => {
  test("delivers messages in order with their ids and reports connecting → open", async () => {
    const srv = await server((_request, _seen, open) =>
      open(`retry: 1000\n\n${frame("a", "1")}${frame("b")}`),
    )
    const stream = open(`${srv.url}/events`)
    await waitFor("two messages", () => stream.messages.length === 2)
    expect(stream.messages).toEqual([
      { id: "1", event: "message", data: "a" },
      { id: "1", event: "message", data: "b" },
    ])
    expect(stream.states().slice(0, 2)).toEqual(["connecting", "open"])
    expect(stream.handle.status()).toMatchObject({ state: "open", attempt: 0, lastEventId: "1" })
    expect(stream.handle.status().lastEventAt).toBeNumber()
    expect(srv.requests[0]?.headers.get("accept")).toBe("text/event-stream")
    expect(srv.requests[0]?.headers.get("last-event-id")).toBeNull()
  })

  test("status() read inside onMessage already counts that message (its id, its time, attempt 0)", async () => {
    const srv = await server((_request, _seen, open) => open(`${frame("a", "1")}${frame("b", "2")}`))
    const seen: [string, string | undefined, boolean][] = []
    let handle: EventStreamHandle | undefined
    handle = openEventStream(srv.url, {
      onMessage: (message) => {
        const status = handle?.status()
        seen.push([message.id, status?.lastEventId, status?.lastEventAt !== undefined])
      },
    })
    cleanups.push(() => handle?.close())
    await waitFor("two messages", () => seen.length === 2)
    expect(seen).toEqual([
      ["1", "1", true],
      ["2", "2", true],
    ])
  })

  test("reconnects after the server ends the stream, sending Last-Event-ID", async () => {
    let n = 0
    const srv = await server((_request, _seen, open) => {
      n++
      return open(frame(`e${n}`, String(n)))
    })
    const stream = open(srv.url, { lastEventId: "0" })
    await waitFor("first message", () => stream.messages.length === 1)
    srv.connections[0]?.end()
    await waitFor("second message", () => stream.messages.length === 2)
    expect(stream.messages.map((message) => message.data)).toEqual(["e1", "e2"])
    expect(srv.requests.map((request) => request.headers.get("last-event-id"))).toEqual(["0", "1"])
    const reconnecting = stream.statuses.find((status) => status.state === "reconnecting")
    expect(reconnecting?.error).toBeInstanceOf(SseStreamEnded)
    expect(reconnecting?.nextRetryAt).toBeNumber()
    // One frame on the new connection: healthy again.
    expect(stream.handle.status()).toMatchObject({ state: "open", attempt: 0 })
    expect(stream.handle.status().error).toBeUndefined()
  })

  test("survives a server stop and a restart on the same port, resuming from the last id", async () => {
    let id = 0
    const srv = await server((_request, _seen, open) => {
      id++
      return open(frame(`event ${id}`, String(id)))
    })
    const stream = open(srv.url, { backoff: { baseMs: 50, capMs: 200, jitter: 0 } })
    await waitFor("first event", () => stream.messages.length === 1)
    await srv.stop()
    await waitFor("two failed attempts while down", () => stream.handle.status().attempt >= 3)
    expect(stream.handle.status().state).toBe("reconnecting")
    expect(stream.statuses.some((status) => status.error instanceof SseNetworkError)).toBe(true)
    await srv.restart()
    await waitFor("event after restart", () => stream.messages.length === 2, 5000)
    expect(stream.messages[1]).toEqual({ id: "2", event: "message", data: "event 2" })
    expect(srv.requests.at(-1)?.headers.get("last-event-id")).toBe("1")
    expect(stream.handle.status()).toMatchObject({ state: "open", attempt: 0 })
  })

  test("a server that accepts and goes silent is dropped within staleAfterMs (+ margin) and retried", async () => {
    const srv = await server((_request, _seen, open) => open(frame("hello", "7")))
    const staleAfterMs = 400
    const stream = open(srv.url, { staleAfterMs })
    await waitFor("first message", () => stream.messages.length === 1)
    const lastByteAt = Date.now()
    await waitFor(
      "stale detected",
      () => stream.statuses.some((status) => status.error instanceof SseStaleError),
      5000,
    )
    const detectedAfter = Date.now() - lastByteAt
    expect(detectedAfter).toBeGreaterThanOrEqual(staleAfterMs - 20)
    expect(detectedAfter).toBeLessThan(staleAfterMs + 1000)
    await waitFor("reconnected", () => srv.requests.length === 2)
    expect(srv.requests[1]?.headers.get("last-event-id")).toBe("7")
  })

  test("a server that never answers the request is stale too", async () => {
    let calls = 0
    const srv = await server((_request, _seen, open) => {
      calls++
      return calls === 1 ? new Promise<Response>(() => {}) : open(frame("late"))
    })
    const stream = open(srv.url, { staleAfterMs: 300 })
    await waitFor("message on the second request", () => stream.messages.length === 1, 5000)
    expect(stream.statuses.find((status) => status.state === "reconnecting")?.error).toBeInstanceOf(
      SseStaleError,
    )
  })

  test("heartbeats keep a stream alive past staleAfterMs", async () => {
    const srv = await server((_request, _seen, open) => open(frame("start")))
    // Heartbeats every 100 ms for 2.5 × the limit: only a timer 10× late (a very loaded machine) could fail it.
    const stream = open(srv.url, { staleAfterMs: 1000 })
    await waitFor("open", () => stream.messages.length === 1)
    for (let i = 0; i < 25; i++) {
      await Bun.sleep(100)
      srv.connections[0]?.write(frame("heartbeat"))
    }
    expect(srv.requests).toHaveLength(1)
    expect(stream.handle.status()).toMatchObject({ state: "open", attempt: 0 })
  })

  test("a reconnect delay past the platform's 32-bit timer limit waits, not retries at once (timers overflow to 1 ms)", async () => {
    const srv = await server(() => new Response("down", { status: 503 }))
    const stream = open(srv.url, { backoff: { baseMs: 2 ** 31 + 1000, capMs: 2 ** 31 + 1000, jitter: 0 } })
    await waitFor("waiting to reconnect", () => stream.handle.status().nextRetryAt !== undefined)
    // An overflowed timer fires after ~1 ms: 300 ms is plenty to see the second request, and none may come.
    await Bun.sleep(300)
    expect(srv.requests).toHaveLength(1)
    expect(stream.handle.status()).toMatchObject({ state: "reconnecting", attempt: 1 })
  })

  for (const status of [401, 403, 404]) {
    test(`HTTP ${status} ends in closed with SseHttpError, without retries`, async () => {
      const srv = await server(() => new Response("nope: no token", { status }))
      const stream = open(srv.url, { backoff: { baseMs: 10, capMs: 10, jitter: 0 } })
      await waitFor("closed", () => stream.handle.status().state === "closed")
      const error = stream.handle.status().error
      expect(error).toBeInstanceOf(SseHttpError)
      expect((error as SseHttpError).status).toBe(status)
      expect(error?.message).toContain("nope: no token")
      await Bun.sleep(200)
      expect(srv.requests).toHaveLength(1)
      expect(stream.states()).toEqual(["connecting", "closed"])
    })
  }

  test("errors name the URL without the password it may carry (?token=, as EventSource clients send it)", async () => {
    const srv = await server(() => new Response("wrong password", { status: 401 }))
    const stream = open(`${srv.url}/events?token=s3cret&x=1`)
    await waitFor("closed", () => stream.handle.status().state === "closed")
    const message = stream.handle.status().error?.message ?? ""
    expect(message).toContain("/events?token=***&x=1")
    expect(message).not.toContain("s3cret")
    expect(new URL(srv.requests[0]?.url as string).searchParams.get("token")).toBe("s3cret")
  })

  test("a network error shows the credentials nowhere, its cause included (fetch's error carries the URL as path)", async () => {
    // A port nothing listens on: bound, then released.
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() })
    const port = probe.port
    await probe.stop(true)
    const stream = open(`http://me:pw0rd-secret@127.0.0.1:${port}/events?token=s3cret&x=1`, {
      backoff: { baseMs: 60_000, capMs: 60_000, jitter: 0 },
    })
    await waitFor("the refusal", () => stream.handle.status().error !== undefined)
    const error = stream.handle.status().error
    expect(error).toBeInstanceOf(SseNetworkError)
    const printed = Bun.inspect(error)
    expect(printed).not.toContain("s3cret")
    expect(printed).not.toContain("pw0rd-secret")
    expect(error?.message).toContain("?token=***&x=1")
    // The cause stays useful: the same kind of error, its code kept.
    const cause = error?.cause as (Error & { code?: unknown; path?: unknown }) | undefined
    expect(cause).toBeInstanceOf(TypeError)
    expect(cause?.code).toBe("ECONNREFUSED")
    expect(cause?.path).toBeUndefined()
    expect(Bun.inspect(cause)).not.toContain("s3cret")
  })

  test("redactUrl hides a userinfo password and credential parameters, and leaves the rest as written", () => {
    expect(redactUrl("http://me:pw@host/e?a=%20b&Token=t&tok=1&access_token=z#f")).toBe(
      "http://me:***@host/e?a=%20b&Token=***&tok=1&access_token=***#f",
    )
    expect(redactUrl("http://host/e?a=1")).toBe("http://host/e?a=1")
    expect(redactUrl("not a url")).toBe("not a url")
  })

  test("HTTP 204 ends in closed", async () => {
    const srv = await server(() => new Response(null, { status: 204 }))
    const stream = open(srv.url)
    await waitFor("closed", () => stream.handle.status().state === "closed")
    expect((stream.handle.status().error as SseHttpError).status).toBe(204)
    await Bun.sleep(150)
    expect(srv.requests).toHaveLength(1)
  })

  test("a response that is not text/event-stream ends in closed with SseContentTypeError", async () => {
    const srv = await server(() => Response.json({ hello: "world" }))
    const stream = open(srv.url)
    await waitFor("closed", () => stream.handle.status().state === "closed")
    const error = stream.handle.status().error as SseContentTypeError
    expect(error).toBeInstanceOf(SseContentTypeError)
    expect(error.contentType).toContain("application/json")
    await Bun.sleep(150)
    expect(srv.requests).toHaveLength(1)
  })

  test("Content-Type with parameters and other case is accepted", async () => {
    const srv = await server(
      () => new Response(frame("ok"), { headers: { "Content-Type": "Text/Event-Stream; charset=utf-8" } }),
    )
    const stream = open(srv.url)
    await waitFor("message", () => stream.messages.length === 1)
  })

  test("5xx is retried with growing delays; Retry-After is honoured", async () => {
    let calls = 0
    const srv = await server((_request, _seen, open) => {
      calls++
      if (calls <= 2) return new Response("down", { status: 503 })
      if (calls === 3) return new Response("slow down", { status: 503, headers: { "Retry-After": "1" } })
      return open(frame("up"))
    })
    const stream = open(srv.url)
    await waitFor("message", () => stream.messages.length === 1, 5000)
    const waits = stream.statuses
      .filter((status) => status.state === "reconnecting" && status.nextRetryAt !== undefined)
      .map((status, i) => (status.nextRetryAt as number) - (srv.requests[i]?.at as number))
    expect(waits).toHaveLength(3)
    expect(waits[0]).toBeGreaterThanOrEqual(50 - 5)
    expect(waits[1]).toBeGreaterThanOrEqual(100 - 5)
    expect(waits[2]).toBeGreaterThanOrEqual(1000 - 5)
    const gap = (srv.requests[3]?.at as number) - (srv.requests[2]?.at as number)
    expect(gap).toBeGreaterThanOrEqual(990)
    expect(stream.statuses.find((status) => status.state === "reconnecting")?.error).toBeInstanceOf(
      SseHttpError,
    )
  })

  test("the server's retry: sets the base delay", async () => {
    const delays: number[] = []
    const srv = await server((_request, _seen, open) => open(`retry: 300\n\n${frame("x")}`))
    const stream = open(srv.url, {
      clock: {
        now: () => Date.now(),
        setTimeout: (callback, ms) => {
          delays.push(ms)
          return setTimeout(callback, ms)
        },
        clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      },
    })
    await waitFor("message", () => stream.messages.length === 1)
    srv.connections[0]?.end()
    await waitFor("second connection", () => srv.requests.length === 2)
    expect(delays).toEqual([300])
  })

  test("an event over maxEventSize drops the connection with SseEventTooLarge and retries", async () => {
    let calls = 0
    const srv = await server((_request, _seen, open) => {
      calls++
      return open(calls === 1 ? `${frame("small", "1")}data: ${"x".repeat(10_000)}\n\n` : frame("after", "2"))
    })
    const stream = open(srv.url, { maxEventSize: 1000 })
    await waitFor("message after retry", () => stream.messages.length === 2)
    expect(stream.messages.map((message) => message.data)).toEqual(["small", "after"])
    const error = stream.statuses.find((status) => status.state === "reconnecting")?.error
    expect(error).toBeInstanceOf(SseEventTooLarge)
    expect(srv.requests[1]?.headers.get("last-event-id")).toBe("1")
  })

  test("close() during a pending reconnect stays closed", async () => {
    const srv = await server(() => new Response("down", { status: 503 }))
    const stream = open(srv.url, { backoff: { baseMs: 150, capMs: 150, jitter: 0 } })
    await waitFor("waiting to reconnect", () => stream.handle.status().state === "reconnecting")
    expect(stream.handle.status().nextRetryAt).toBeNumber()
    stream.handle.close()
    await Bun.sleep(400)
    expect(srv.requests).toHaveLength(1)
    expect(stream.handle.status()).toEqual({ state: "closed", attempt: 1 })
    expect(stream.states().at(-1)).toBe("closed")
  })

  test("close() while a reconnect request is in flight stays closed when its response arrives", async () => {
    let calls = 0
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const srv = await server(async (_request, _seen, open) => {
      calls++
      if (calls === 1) return new Response("down", { status: 503 })
      await held
      return open(frame("too late"))
    })
    const stream = open(srv.url)
    await waitFor("second request in flight", () => srv.requests.length === 2)
    stream.handle.close()
    release()
    await Bun.sleep(200)
    expect(stream.messages).toEqual([])
    expect(stream.handle.status().state).toBe("closed")
    expect(srv.requests).toHaveLength(2)
  })

  test("close() from inside onStatus when a reconnect is scheduled wins the race", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    let handle: EventStreamHandle | undefined
    const statuses: string[] = []
    let timersSet = 0
    handle = openEventStream(srv.url, {
      backoff: { baseMs: 10, capMs: 10, jitter: 0 },
      clock: {
        now: () => Date.now(),
        setTimeout: (callback, ms) => {
          timersSet++
          return setTimeout(callback, ms)
        },
        clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
      },
      onStatus: (status) => {
        statuses.push(status.state)
        if (status.state === "reconnecting") handle?.close()
      },
    })
    cleanups.push(() => handle?.close())
    await waitFor("the first frame", () => statuses.length === 3)
    srv.connections[0]?.end()
    await waitFor("closed", () => handle?.status().state === "closed")
    await Bun.sleep(100)
    expect(srv.requests).toHaveLength(1)
    expect(timersSet).toBe(0)
    expect(statuses).toEqual(["connecting", "open", "open", "reconnecting", "closed"])
  })

  for (const state of ["connecting", "reconnecting"] as const) {
    test(`close() from inside onStatus on "${state}" (request not sent yet) leaves no timer and sends nothing`, async () => {
      const srv = await server(() => new Response("down", { status: 503 }))
      const clock = createFakeClock()
      let handle: EventStreamHandle | undefined
      const statuses: string[] = []
      handle = openEventStream(srv.url, {
        clock,
        staleAfterMs: 60_000,
        backoff: { baseMs: 1000, capMs: 1000, jitter: 0 },
        onStatus: (status) => {
          statuses.push(status.state)
          // "reconnecting" without nextRetryAt: the retry's own request is about to start.
          if (status.state === state && status.nextRetryAt === undefined) handle?.close()
        },
      })
      cleanups.push(() => handle?.close())
      if (state === "reconnecting") {
        await waitFor("waiting to reconnect", () => handle?.status().nextRetryAt !== undefined)
        expect(srv.requests).toHaveLength(1)
        clock.advance(1000)
      }
      await waitFor("closed", () => handle?.status().state === "closed")
      // The watchdog armed after close() kept a process alive for staleAfterMs.
      expect(clock.pendingDelays()).toEqual([])
      expect(srv.requests).toHaveLength(state === "connecting" ? 0 : 1)
      expect(statuses.at(-1)).toBe("closed")
    })
  }

  test("an AbortSignal closes the stream; an aborted one never connects", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    const controller = new AbortController()
    const stream = open(srv.url, { signal: controller.signal })
    await waitFor("message", () => stream.messages.length === 1)
    controller.abort()
    expect(stream.handle.status().state).toBe("closed")
    await waitFor("server saw the disconnect", () => srv.connections[0]?.closed === true)

    const never = open(srv.url, { signal: AbortSignal.abort() })
    await Bun.sleep(50)
    expect(never.handle.status()).toEqual({ state: "closed", attempt: 0 })
    expect(srv.requests).toHaveLength(1)
  })

  test("sends custom headers, re-evaluated before every attempt", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    let token = 0
    const stream = open(srv.url, { headers: () => ({ Authorization: `Bearer t${++token}` }) })
    await waitFor("message", () => stream.messages.length === 1)
    srv.connections[0]?.end()
    await waitFor("second request", () => srv.requests.length === 2)
    expect(srv.requests.map((request) => request.headers.get("authorization"))).toEqual([
      "Bearer t1",
      "Bearer t2",
    ])
  })

  test("a headers() function that never settles is bounded by staleAfterMs, then retried", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    let calls = 0
    const stream = open(srv.url, {
      staleAfterMs: 300,
      backoff: { baseMs: 10, capMs: 10, jitter: 0 },
      headers: () => (++calls === 1 ? new Promise<HeadersInit>(() => {}) : { Authorization: "Bearer t" }),
    })
    await waitFor("message", () => stream.messages.length === 1, 5000)
    expect(stream.statuses.find((status) => status.state === "reconnecting")?.error).toBeInstanceOf(
      SseStaleError,
    )
    expect(srv.requests.map((request) => request.headers.get("authorization"))).toEqual(["Bearer t"])
  })

  test("a headers() function that rejects (a token service down) is retried with backoff, its error in the status", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    let calls = 0
    const stream = open(srv.url, {
      backoff: { baseMs: 10, capMs: 10, jitter: 0 },
      headers: async () => {
        if (++calls === 1) throw new Error("token service down")
        return { Authorization: "Bearer t" }
      },
    })
    await waitFor("message", () => stream.messages.length === 1, 5000)
    const failed = stream.statuses.find((status) => status.state === "reconnecting")
    expect(failed?.error?.message).toBe("token service down")
    expect(failed?.attempt).toBe(1)
  })

  test("invalid header values end in closed with a TypeError, before any request", async () => {
    const srv = await server((_request, _seen, open) => open(frame("x")))
    const stream = open(srv.url, { headers: { "X-Bad": "a\nb" } })
    await waitFor("closed", () => stream.handle.status().state === "closed")
    expect(stream.handle.status().error).toBeInstanceOf(TypeError)
    expect(srv.requests).toHaveLength(0)
  })

  test("async iterator: yields messages in order and ends on close()", async () => {
    const srv = await server((_request, _seen, open) =>
      open(Array.from({ length: 50 }, (_, i) => frame(String(i), String(i))).join("")),
    )
    const handle = openEventStream(srv.url, { highWaterMark: 4 })
    cleanups.push(() => handle.close())
    const seen: string[] = []
    for await (const message of handle) {
      // A slow consumer: the stream pauses reading rather than queueing without bound.
      if (seen.length % 10 === 0) await Bun.sleep(5)
      seen.push(message.data)
      if (seen.length === 50) handle.close()
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
  })

  test("async iterator: throws the error that closed the stream", async () => {
    const srv = await server(() => new Response("who are you", { status: 401 }))
    const handle = openEventStream(srv.url)
    cleanups.push(() => handle.close())
    let caught: unknown
    try {
      for await (const _message of handle) {
        // never reached
      }
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(SseHttpError)
    expect((caught as SseHttpError).status).toBe(401)
  })

  test("a throwing onMessage does not break the stream", async () => {
    const srv = await server((_request, _seen, open) => open(frame("a") + frame("b")))
    const seen: string[] = []
    const originalError = console.error
    const reported: unknown[] = []
    console.error = (...args: unknown[]) => reported.push(args)
    try {
      const handle = openEventStream(srv.url, {
        onMessage: (message) => {
          seen.push(message.data)
          throw new Error("handler bug")
        },
      })
      cleanups.push(() => handle.close())
      await waitFor("both messages", () => seen.length === 2)
    } finally {
      console.error = originalError
    }
    expect(reported).toHaveLength(2)
  })

  test("rejects bad options at once", () => {
    expect(() => openEventStream("http://127.0.0.1:1", { backoff: { jitter: 2 } })).toThrow("backoff.jitter")
    expect(() => openEventStream("http://127.0.0.1:1", { staleAfterMs: -1 })).toThrow("staleAfterMs")
    expect(() => openEventStream("http://127.0.0.1:1", { maxEventSize: 0 })).toThrow("maxEventSize")
  })

  test("an unexpected failure inside the connection ends in closed with its error, not an unhandled rejection", async () => {
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on("unhandledRejection", onRejection)
    try {
      // A fetch stand-in that hands back a response whose body someone else already holds.
      const response = new Response("data: x\n\n", { headers: { "Content-Type": "text/event-stream" } })
      response.body?.getReader()
      const stream = open("http://127.0.0.1:1/", { fetch: (async () => response) as unknown as typeof fetch })
      await waitFor("closed", () => stream.handle.status().state === "closed")
      expect(stream.handle.status().error).toBeInstanceOf(TypeError)
      await Bun.sleep(50)
      expect(rejections).toEqual([])
    } finally {
      process.off("unhandledRejection", onRejection)
    }
  })

  test("works with a raw body carrying a BOM and CRLF, split across writes", async () => {
    const srv = await server((_request, _seen, open) => open())
    const stream = open(srv.url)
    await waitFor("connected", () => srv.connections.length === 1)
    const connection = srv.connections[0]
    const bytes = new TextEncoder().encode("\uFEFFid: 9\r\ndata: é\r\n\r\ndata: 🎉\r\n\r\n")
    for (let i = 0; i < bytes.length; i += 3) {
      connection?.write(bytes.slice(i, i + 3))
      await Bun.sleep(1)
    }
    await waitFor("two messages", () => stream.messages.length === 2)
    expect(stream.messages).toEqual([
      { id: "9", event: "message", data: "é" },
      { id: "9", event: "message", data: "🎉" },
    ])
  })
})
