/**
 * Test doubles at the network edge only: a scripted `fetch` for the real SDK client (each
 * `GET /global/event` is a ReadableStream the test writes SSE frames into) and animation frames
 * stepped by hand.
 */
import { ConfigInvalid, mergeConfigPatch, validateConfig } from "@tether/core/browser"
import type { FrameScheduler } from "../../src/context/frame-batcher.ts"

export const CONFIG = {
  server: {
    port: 4096,
    hostname: "127.0.0.1",
    cors: [],
    allowed_hosts: [],
    event_stream: { heartbeat_ms: 1000, retention_events: 10_000, max_buffered_bytes: 1_048_576 },
  },
}

/** A scripted server: each `GET /global/event` gets a stream the test writes frames into. */
export const scriptedServer = () => {
  const streams: {
    controller: ReadableStreamDefaultController<Uint8Array>
    signal: AbortSignal | undefined
    lastEventId: string | null
  }[] = []
  const calls: string[] = []
  const published: unknown[] = []
  const encoder = new TextEncoder()
  let config: unknown = CONFIG
  const state = { offline: false }
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const path = new URL(request.url).pathname
    calls.push(`${request.method} ${path}`)
    if (state.offline) throw new TypeError("Failed to fetch")
    if (path === "/global/event" && request.method === "GET") {
      const signal = init?.signal ?? request.signal
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.push({
            controller,
            signal: signal ?? undefined,
            lastEventId: request.headers.get("last-event-id"),
          })
          signal?.addEventListener("abort", () => {
            try {
              controller.error(new DOMException("aborted", "AbortError"))
            } catch {}
          })
        },
      })
      return new Response(body, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      })
    }
    if (path === "/global/health") return Response.json({ healthy: true, version: "1.2.3" })
    if (path === "/global/config" && request.method === "GET") return Response.json(config)
    if (path === "/global/config" && request.method === "PATCH") {
      // Validated by core's real schema, as the server does.
      try {
        config = validateConfig(mergeConfigPatch(config, await request.json()), null)
        return Response.json(config)
      } catch (error) {
        if (error instanceof ConfigInvalid) return Response.json({ error: error.toJSON() }, { status: 400 })
        throw error
      }
    }
    if (path === "/global/event" && request.method === "POST") {
      const body = (await request.json()) as { type?: unknown }
      // The real server's refusal: an EventInvalid naming the field it is about as an issue.
      if (
        typeof body.type === "string" &&
        (body.type.startsWith("server.") || body.type === "config.updated")
      ) {
        const message = `type: "${body.type}" is reserved for the server's own events`
        return Response.json(
          { error: { name: "EventInvalid", message, issues: [{ path: "type", message }] } },
          { status: 400 },
        )
      }
      published.push(body)
      return Response.json({ id: `p${published.length}` }, { status: 202 })
    }
    return Response.json({ error: { name: "NotFound", message: path } }, { status: 404 })
  }) as typeof globalThis.fetch
  const last = () => {
    const stream = streams.at(-1)
    if (!stream) throw new Error("no event stream was requested yet")
    return stream
  }
  let nextId = 1
  return {
    fetch,
    calls,
    published,
    streams,
    /** While true, every request fails as a refused connection does. */
    setOffline: (offline: boolean) => {
      state.offline = offline
    },
    setConfig: (value: unknown) => {
      config = value
    },
    /** Writes one envelope as an SSE frame to the newest stream; durable unless `id` is "". */
    send(type: string, properties: Record<string, unknown>, id: string = String(nextId++)) {
      const envelope = { id, type, properties, time: Date.now() }
      const frame = `${id === "" ? "" : `id: ${id}\n`}data: ${JSON.stringify(envelope)}\n\n`
      last().controller.enqueue(encoder.encode(frame))
      return envelope
    },
    connect(heartbeatMs = 1000) {
      last().controller.enqueue(encoder.encode("retry: 500\n\n"))
      this.send("server.connected", { heartbeat_ms: heartbeatMs, instance: "i-1", last_event_id: null }, "")
    },
    end: () => last().controller.close(),
  }
}

/** Frames stepped by the test. */
export const manualFrames = () => {
  let queue: (() => void)[] = []
  const scheduler: FrameScheduler = {
    request(callback) {
      queue.push(callback)
      return callback
    },
    cancel(handle) {
      queue = queue.filter((cb) => cb !== handle)
    },
  }
  return {
    scheduler,
    pending: () => queue.length,
    frame() {
      const due = queue
      queue = []
      for (const cb of due) cb()
    },
  }
}

/** Lets the SDK's reader and promise chains run. */
export const settle = async (check?: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs
  do {
    await Bun.sleep(5)
  } while (check && !check() && Date.now() < deadline)
}
