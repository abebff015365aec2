/**
 * better-sse on Node's `http` server, as its docs show: a `Session` per request registered on one
 * `Channel`, `channel.broadcast` per publish (better-sse serialises per session), one shared
 * heartbeat broadcast. Bundled for Node by the orchestrator (`Bun.build`, target node).
 *
 * Usage: `node better-sse-node.js [--port 0] [--heartbeat-ms 1000]`
 *
 * @module
 */
import { createServer } from "node:http"
import { createChannel, createSession } from "better-sse"
import { listeningLine, parseAnchorArgs, RETRY_MS, readPublish } from "./anchor-protocol.ts"

const options = parseAnchorArgs(process.argv.slice(2))
const instance = crypto.randomUUID()
const channel = createChannel()
let lastId = 0

const heartbeat = () => ({
  id: "",
  type: "server.heartbeat",
  properties: { heartbeat_ms: options.heartbeatMs },
  time: Date.now(),
})
setInterval(() => channel.broadcast(heartbeat()), options.heartbeatMs)

const readBody = (request: import("node:http").IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    request.on("data", (part: Buffer) => parts.push(part))
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")))
    request.on("error", reject)
  })

const server = createServer(async (request, response) => {
  const path = (request.url ?? "/").split("?")[0]
  if (path !== "/global/event") {
    response.writeHead(404).end("not found")
    return
  }
  if (request.method === "POST") {
    let body: unknown = null
    try {
      body = JSON.parse(await readBody(request))
    } catch {}
    const input = readPublish(body)
    if (typeof input === "string") {
      response.writeHead(400, { "Content-Type": "application/json" })
      response.end(JSON.stringify({ error: { name: "BadRequest", message: input } }))
      return
    }
    const id = String(++lastId)
    channel.broadcast({ id, type: input.type, properties: input.properties, time: Date.now() }, "message", {
      eventId: id,
    })
    response.writeHead(202, { "Content-Type": "application/json" })
    response.end(JSON.stringify({ id }))
    return
  }
  const session = await createSession(request, response, {
    retry: RETRY_MS,
    keepAlive: null,
    headers: { "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" },
  })
  session.push({
    id: "",
    type: "server.connected",
    properties: { heartbeat_ms: options.heartbeatMs, instance, last_event_id: null },
    time: Date.now(),
  })
  channel.register(session)
})

server.keepAliveTimeout = 0
server.requestTimeout = 0
server.headersTimeout = 0
server.listen(options.port, "127.0.0.1", () => {
  const address = server.address()
  console.log(listeningLine(typeof address === "object" && address ? address.port : 0))
})

// Exit normally on SIGTERM, so `bun --cpu-prof` writes its profile and the run ends like Tether's.
process.on("SIGTERM", () => process.exit(0))
