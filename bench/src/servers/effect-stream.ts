/**
 * The idiomatic Effect 4 design: one `PubSub` of events, and per connection a `Stream` from it
 * merged with that connection's heartbeat `Stream.tick`, piped through `Sse.encode()` and
 * `Stream.encodeText` into the `ReadableStream` that `Bun.serve` sends. Each connection's stream
 * pulls in chunks, so under load its writes batch by themselves.
 *
 * Usage: `bun src/servers/effect-stream.ts [--port 0] [--heartbeat-ms 1000]`
 *
 * @module
 */
import { Context, Effect, PubSub, Stream } from "effect"
import * as Sse from "effect/encoding/Sse"
import {
  answerPublish,
  connectedData,
  heartbeatData,
  listeningLine,
  parseAnchorArgs,
  RETRY_MS,
} from "./anchor-protocol.ts"

const options = parseAnchorArgs(process.argv.slice(2))
const instance = crypto.randomUUID()
const pubsub = Effect.runSync(PubSub.unbounded<Sse.Event>())
let lastId = 0

const message = (id: string | undefined, data: string): Sse.Event => ({
  _tag: "Event",
  event: "message",
  id,
  data,
})

const eventStream = (signal: AbortSignal): ReadableStream<Uint8Array> => {
  const heartbeats = Stream.tick(options.heartbeatMs).pipe(
    Stream.drop(1),
    Stream.map(() => message(undefined, heartbeatData(options.heartbeatMs))),
  )
  return Stream.make(message(undefined, connectedData(options.heartbeatMs, instance))).pipe(
    Stream.concat(Stream.merge(Stream.fromPubSub(pubsub), heartbeats)),
    Stream.pipeThroughChannel(Sse.encode()),
    (frames) => Stream.concat(Stream.make(`retry: ${RETRY_MS}\n`), frames),
    Stream.encodeText,
    Stream.toReadableStreamWith(Context.empty(), { signal }),
  )
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
        (id, data) => Effect.runSync(PubSub.publish(pubsub, message(id, data))),
      )
    }
    return new Response(eventStream(request.signal), {
      headers: {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
      },
    })
  },
})

console.log(listeningLine(server.port ?? 0))

// Exit normally on SIGTERM, so `bun --cpu-prof` writes its profile and the run ends like Tether's.
process.on("SIGTERM", () => process.exit(0))
