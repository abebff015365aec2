/**
 * A small stand-in Tether server on Bun.serve that speaks docs/http-api.md and docs/protocol.md, so the
 * client is tested over real sockets without depending on @tether/server (built in parallel).
 * Its event log lives in this object, so a stop/restart on the same port keeps it, as the real one does.
 */
import type { Server } from "bun"
import { SSE_HEADERS } from "./sse-server.ts"

interface Envelope {
  id: string
  type: string
  properties: Record<string, unknown>
  time: number
}

export interface TetherServerOptions {
  heartbeatMs?: number
  password?: string
  retryMs?: number
}

export interface FakeTetherServer {
  readonly url: string
  readonly port: number
  /** Every request seen, with its headers. */
  readonly requests: Request[]
  readonly log: Envelope[]
  /** Stream connections currently open. */
  openStreams(): number
  /** Publishes as POST /global/event would. */
  publish(type: string, properties?: Record<string, unknown>): Envelope
  /** Writes raw text to every open stream (for malformed frames). */
  writeRaw(text: string): void
  /** Stops heartbeats on the open streams while keeping them open: a silent server. */
  goSilent(): void
  setReady(ready: boolean): void
  stop(): Promise<void>
  restart(): Promise<void>
}

const encoder = new TextEncoder()
const defaultConfig = () => ({
  server: {
    port: 4096,
    hostname: "127.0.0.1",
    cors: [] as string[],
    allowed_hosts: [] as string[],
    event_stream: { heartbeat_ms: 10_000, retention_events: 10_000, max_buffered_bytes: 1_048_576 },
  },
})

const errorResponse = (status: number, name: string, message: string, issues?: unknown[]) =>
  Response.json({ error: issues ? { name, message, issues } : { name, message } }, { status })

export async function startTetherServer(options: TetherServerOptions = {}): Promise<FakeTetherServer> {
  const requests: Request[] = []
  const log: Envelope[] = []
  const streams = new Set<{ write: (text: string) => void; stopHeartbeat: () => void }>()
  const config = defaultConfig()
  config.server.event_stream.heartbeat_ms = options.heartbeatMs ?? 10_000
  let nextId = 1
  let ready = true
  const instance = crypto.randomUUID()

  const frameOf = (event: Envelope) =>
    `${event.id === "" ? "" : `id: ${event.id}\n`}data: ${JSON.stringify(event)}\n\n`
  const ephemeral = (type: string, properties: Record<string, unknown>): Envelope => ({
    id: "",
    type,
    properties,
    time: Date.now(),
  })

  const publish = (type: string, properties: Record<string, unknown> = {}) => {
    const event = { id: String(nextId++).padStart(8, "0"), type, properties, time: Date.now() }
    log.push(event)
    for (const stream of streams) stream.write(frameOf(event))
    return event
  }

  const openStream = (request: Request) => {
    const lastEventId = request.headers.get("last-event-id")
    let entry: { write: (text: string) => void; stopHeartbeat: () => void } | undefined
    let timer: ReturnType<typeof setInterval> | undefined
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const write = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text))
          } catch {}
        }
        const heartbeatMs = config.server.event_stream.heartbeat_ms
        let first = `retry: ${options.retryMs ?? 500}\n\n`
        first += frameOf(
          ephemeral("server.connected", {
            heartbeat_ms: heartbeatMs,
            instance,
            last_event_id: log.at(-1)?.id ?? null,
          }),
        )
        if (lastEventId !== null) {
          const index = log.findIndex((event) => event.id === lastEventId)
          if (index === -1) {
            first += frameOf(
              ephemeral("server.resync", { requested: lastEventId, oldest: log[0]?.id ?? null }),
            )
          } else for (const event of log.slice(index + 1)) first += frameOf(event)
        }
        write(first)
        timer = setInterval(
          () => write(frameOf(ephemeral("server.heartbeat", { heartbeat_ms: heartbeatMs }))),
          heartbeatMs,
        )
        entry = { write, stopHeartbeat: () => clearInterval(timer) }
        streams.add(entry)
      },
      cancel() {
        clearInterval(timer)
        if (entry) streams.delete(entry)
      },
    })
    return new Response(body, { headers: SSE_HEADERS })
  }

  const fetch = async (request: Request): Promise<Response> => {
    requests.push(request)
    const url = new URL(request.url)
    if (
      options.password !== undefined &&
      request.headers.get("authorization") !== `Bearer ${options.password}`
    ) {
      return errorResponse(
        401,
        "Unauthorized",
        "This server needs a password: Authorization: Bearer <password>",
      )
    }
    const route = `${request.method} ${url.pathname}`
    switch (route) {
      case "GET /global/health":
        return Response.json({ healthy: true, version: "0.1.0" })
      case "GET /global/health/ready":
        return Response.json(
          { ready, checks: { bus: { ok: ready, ms: 1 }, store: { ok: true, ms: 1 } } },
          { status: ready ? 200 : 503 },
        )
      case "GET /global/config":
        return Response.json(config)
      case "PATCH /global/config": {
        const patch = (await request.json()) as { server?: { event_stream?: { heartbeat_ms?: unknown } } }
        const heartbeat = patch.server?.event_stream?.heartbeat_ms
        if (heartbeat !== undefined) {
          if (
            typeof heartbeat !== "number" ||
            !Number.isInteger(heartbeat) ||
            heartbeat < 1000 ||
            heartbeat > 60_000
          ) {
            const message = `expected an integer from 1000 to 60000, got ${JSON.stringify(heartbeat)}`
            return errorResponse(
              400,
              "ConfigInvalid",
              `Invalid config:\n  server.event_stream.heartbeat_ms: ${message}`,
              [{ path: "server.event_stream.heartbeat_ms", message }],
            )
          }
          config.server.event_stream.heartbeat_ms = heartbeat
          publish("config.updated", { config, changed: ["server.event_stream.heartbeat_ms"] })
        }
        return Response.json(config)
      }
      case "POST /global/event": {
        let body: { type?: unknown; properties?: unknown }
        try {
          body = await request.json()
        } catch {
          return errorResponse(400, "EventInvalid", "The body is not valid JSON")
        }
        if (typeof body.type !== "string")
          return errorResponse(400, "EventInvalid", "`type` must be a string")
        const event = publish(body.type, (body.properties ?? {}) as Record<string, unknown>)
        return Response.json({ id: event.id }, { status: 202 })
      }
      case "GET /global/event":
        return openStream(request)
      default:
        return errorResponse(404, "NotFound", `No route ${route}`)
    }
  }

  const serve = (port: number) => Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch })
  let server: Server<undefined> = serve(0)
  const port = server.port as number
  const cut = () => {
    for (const stream of streams) stream.stopHeartbeat()
    streams.clear()
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    log,
    openStreams: () => streams.size,
    publish,
    writeRaw: (text) => {
      for (const stream of streams) stream.write(text)
    },
    goSilent: () => {
      for (const stream of streams) stream.stopHeartbeat()
    },
    setReady: (value) => {
      ready = value
    },
    async stop() {
      cut()
      await server.stop(true)
    },
    async restart() {
      server = serve(port)
    },
  }
}
