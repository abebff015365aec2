/**
 * `openEventStream` end to end: a local Bun.serve writes a burst of events in 64 KiB chunks (as a replay
 * after a reconnect arrives) and the stream delivers them to `onMessage`. Reports events/s and, since events
 * of one chunk reach `onMessage` in one task, the longest a 1 ms timer waited meanwhile (how long the burst
 * kept the event loop from anything else). `bun run bench` in packages/sdk. Medians of alternating rounds;
 * shared machines are noisy.
 */
import { openEventStream } from "../src/sse/open.ts"

interface Case {
  readonly name: string
  readonly chunks: readonly Uint8Array[]
  readonly events: number
}

const CHUNK_BYTES = 65_536

function makeCase(name: string, frame: (i: number) => string, events: number): Case {
  const bytes = new TextEncoder().encode(Array.from({ length: events }, (_, i) => frame(i)).join(""))
  const chunks: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.subarray(at, at + CHUNK_BYTES))
  return { name, chunks, events }
}

const envelope = (i: number, size: number) =>
  JSON.stringify({
    id: String(i),
    type: "bench",
    properties: { text: "x".repeat(size) },
    time: 1_700_000_000_000,
  })

const cases: Case[] = [
  makeCase("256 B events", (i) => `id: ${i}\ndata: ${envelope(i, 180)}\n\n`, 300_000),
  makeCase("heartbeat-size events", () => 'data: {"type":"server.heartbeat"}\n\n', 1_000_000),
]

let current: Case | undefined
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  fetch: () => {
    const chunks = current?.chunks ?? []
    let next = 0
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks[next++]
          if (chunk) controller.enqueue(chunk)
          else controller.close()
        },
      }),
      { headers: { "Content-Type": "text/event-stream" } },
    )
  },
})

/** One burst: ms until the last event reached onMessage, and the longest wait of a 1 ms timer meanwhile. */
function round(benchCase: Case): Promise<{ ms: number; maxTimerGapMs: number }> {
  current = benchCase
  return new Promise((resolve, reject) => {
    let count = 0
    let last = performance.now()
    let maxTimerGapMs = 0
    const timer = setInterval(() => {
      const now = performance.now()
      maxTimerGapMs = Math.max(maxTimerGapMs, now - last)
      last = now
    }, 1)
    const start = performance.now()
    const stream = openEventStream(`http://127.0.0.1:${server.port}/`, {
      backoff: { baseMs: 60_000, capMs: 60_000, jitter: 0 },
      onMessage: () => {
        if (++count !== benchCase.events) return
        const ms = performance.now() - start
        clearInterval(timer)
        stream.close()
        resolve({ ms, maxTimerGapMs: Math.max(maxTimerGapMs, performance.now() - last) })
      },
      onStatus: (status) => {
        if (status.state === "reconnecting" || status.state === "closed") {
          if (count === benchCase.events) return
          clearInterval(timer)
          stream.close()
          reject(
            new Error(`stream ${status.state} after ${count} of ${benchCase.events} events: ${status.error}`),
          )
        }
      },
    })
  })
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const rounds = 9
console.log(`| case | events | events/s (median of ${rounds}) | longest 1 ms timer wait, ms (median) |`)
console.log("| --- | ---: | ---: | ---: |")
for (const benchCase of cases) {
  await round(benchCase) // warm-up
  const rates: number[] = []
  const gaps: number[] = []
  for (let i = 0; i < rounds; i++) {
    const { ms, maxTimerGapMs } = await round(benchCase)
    rates.push(benchCase.events / (ms / 1000))
    gaps.push(maxTimerGapMs)
  }
  console.log(
    `| ${benchCase.name} | ${benchCase.events} | ${median(rates).toFixed(0)} | ${median(gaps).toFixed(1)} |`,
  )
}
await server.stop(true)
