/**
 * `server.connected` names the newest event when the stream begins (`last_event_id`). A stream that
 * does not replay (a first connect, or a resync, after which the SDK resumes from that id) must then
 * carry exactly the events after it: one published at the same moment, already in the log but not
 * yet fanned out, must not arrive after `connected` as if it were new.
 */
import { afterEach, expect, test } from "bun:test"
import { startServer, type TetherServer } from "../src/index.ts"
import { parseFrames, type SseEvent } from "./helpers/sse.ts"

const servers: TetherServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

test("no event at or before connected.last_event_id follows it, on first connects and resyncs, while publishing", async () => {
  const server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: null })
  servers.push(server)
  let publishing = true
  // Over HTTP, so publishes interleave with the connects the way separate clients' do.
  const publisher = (async () => {
    while (publishing) {
      await Promise.all(
        [1, 2, 3, 4].map(() =>
          fetch(`${server.url}/global/event`, { method: "POST", body: '{"type":"test.tick"}' }),
        ),
      )
    }
  })()
  const late: string[] = []
  const rounds = 120
  try {
    for (let round = 0; round < rounds; round++) {
      const controller = new AbortController()
      const headers: Record<string, string> = round % 2 === 0 ? {} : { "Last-Event-ID": "unknown" }
      const response = await fetch(`${server.url}/global/event`, { headers, signal: controller.signal })
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      const events: SseEvent[] = []
      let buffer = ""
      while (events.filter((event) => event.id !== null).length < 3) {
        const chunk = await reader.read()
        if (chunk.done) throw new Error("stream ended")
        buffer += decoder.decode(chunk.value, { stream: true })
        const parsed = parseFrames(buffer)
        buffer = parsed.rest
        events.push(...parsed.events)
      }
      controller.abort()
      const connected = events.find((event) => event.type === "server.connected") as SseEvent
      const newest = connected.properties.last_event_id as string | null
      const durable = events.filter((event) => event.id !== null).map((event) => event.id as string)
      for (const id of durable)
        if (newest !== null && id <= newest)
          late.push(`${headers["Last-Event-ID"] ?? "first"}: ${id} <= ${newest}`)
      // Still in order, no duplicate.
      expect(durable).toEqual([...new Set(durable)].sort())
    }
  } finally {
    publishing = false
    await publisher
  }
  expect(late).toEqual([])
}, 60_000)
