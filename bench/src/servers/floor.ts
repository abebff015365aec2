/**
 * The floor: plain `Bun.serve`, no framework. Each event is encoded to bytes ONCE and the same
 * bytes are enqueued to every open stream; one shared heartbeat timer. Anything slower than this
 * is overhead a design adds on top of the runtime.
 *
 * Usage: `bun src/servers/floor.ts [--port 0] [--heartbeat-ms 1000]`
 *
 * @module
 */
import {
  answerPublish,
  connectedData,
  heartbeatData,
  listeningLine,
  parseAnchorArgs,
  RETRY_MS,
} from "./anchor-protocol.ts"

const options = parseAnchorArgs(process.argv.slice(2))
const encoder = new TextEncoder()
const streams = new Set<ReadableStreamDefaultController<Uint8Array>>()
const instance = crypto.randomUUID()
let lastId = 0

const broadcast = (bytes: Uint8Array): void => {
  for (const controller of streams) {
    try {
      controller.enqueue(bytes)
    } catch {
      streams.delete(controller)
    }
  }
}

setInterval(
  () => broadcast(encoder.encode(`data: ${heartbeatData(options.heartbeatMs)}\n\n`)),
  options.heartbeatMs,
)

const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: options.port,
  idleTimeout: 0,
  async fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname !== "/global/event") return new Response("not found", { status: 404 })
    if (request.method === "POST") {
      return answerPublish(
        request,
        () => String(++lastId),
        (id, data) => broadcast(encoder.encode(`id: ${id}\ndata: ${data}\n\n`)),
      )
    }
    let self: ReadableStreamDefaultController<Uint8Array> | undefined
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller
        controller.enqueue(
          encoder.encode(`retry: ${RETRY_MS}\ndata: ${connectedData(options.heartbeatMs, instance)}\n\n`),
        )
        streams.add(controller)
      },
      cancel() {
        if (self) streams.delete(self)
      },
    })
    return new Response(body, { headers: SSE_HEADERS })
  },
})

console.log(listeningLine(server.port ?? 0))

// Exit normally on SIGTERM, so `bun --cpu-prof` writes its profile and the run ends like Tether's.
process.on("SIGTERM", () => process.exit(0))
