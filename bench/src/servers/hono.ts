/**
 * Hono's `streamSSE` on Bun, written the way its docs and most apps do it: one async loop per
 * connection that awaits a per-connection queue and calls `stream.writeSSE` for each message, a
 * per-connection heartbeat timer, and an in-process set of listeners for publishes.
 *
 * Usage: `bun src/servers/hono.ts [--port 0] [--heartbeat-ms 1000]`
 *
 * @module
 */
import { Hono } from "hono"
import { type SSEMessage, streamSSE } from "hono/streaming"
import {
  connectedData,
  envelope,
  heartbeatData,
  listeningLine,
  parseAnchorArgs,
  RETRY_MS,
  readPublish,
} from "./anchor-protocol.ts"

const options = parseAnchorArgs(process.argv.slice(2))
const instance = crypto.randomUUID()
const listeners = new Set<(message: SSEMessage) => void>()
let lastId = 0

/** A minimal async queue: `push` never blocks, `next` waits for a message or the close. */
const createQueue = () => {
  const items: SSEMessage[] = []
  let wake: (() => void) | undefined
  let closed = false
  return {
    push(message: SSEMessage) {
      items.push(message)
      wake?.()
    },
    close() {
      closed = true
      wake?.()
    },
    async next(): Promise<SSEMessage | undefined> {
      while (items.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve))
      wake = undefined
      return items.shift()
    },
  }
}

const app = new Hono()

app.get("/global/event", (c) => {
  c.header("Cache-Control", "no-cache, no-transform")
  c.header("X-Accel-Buffering", "no")
  return streamSSE(c, async (stream) => {
    const queue = createQueue()
    listeners.add(queue.push)
    const heartbeat = setInterval(
      () => queue.push({ data: heartbeatData(options.heartbeatMs) }),
      options.heartbeatMs,
    )
    stream.onAbort(() => {
      clearInterval(heartbeat)
      listeners.delete(queue.push)
      queue.close()
    })
    await stream.writeSSE({ retry: RETRY_MS, data: connectedData(options.heartbeatMs, instance) })
    while (!stream.aborted) {
      const message = await queue.next()
      if (message === undefined) break
      await stream.writeSSE(message)
    }
  })
})

app.post("/global/event", async (c) => {
  const input = readPublish(await c.req.json().catch(() => null))
  if (typeof input === "string") return c.json({ error: { name: "BadRequest", message: input } }, 400)
  const id = String(++lastId)
  const message = { id, data: envelope(id, input.type, input.properties) }
  for (const listener of listeners) listener(message)
  return c.json({ id }, 202)
})

const server = Bun.serve({ hostname: "127.0.0.1", port: options.port, idleTimeout: 0, fetch: app.fetch })
console.log(listeningLine(server.port ?? 0))

// Exit normally on SIGTERM, so `bun --cpu-prof` writes its profile and the run ends like Tether's.
process.on("SIGTERM", () => process.exit(0))
