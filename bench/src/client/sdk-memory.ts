/**
 * Child process of the client suite: memory of N live subscriptions in one process, through the
 * SDK (`createTetherClient().global.event.subscribe`) or, as the baseline the SDK adds to, N bare
 * `fetch` streams read and dropped. Every subscription must be open and receive one published
 * event before memory is read (after a full GC).
 *
 * Bun's fetch allows 256 connections in flight per process by default; the suite raises that with
 * `BUN_CONFIG_MAX_HTTP_REQUESTS`, as any Bun process holding more subscriptions must.
 *
 * Usage: `bun --conditions=@tether/source src/client/sdk-memory.ts '{"url":"…","subscribers":1000,"mode":"sdk"}'`
 *
 * @module
 */
import { heapStats } from "bun:jsc"
import { createTetherClient } from "@tether/sdk"
import { BENCH_EVENT_TYPE } from "../load/publisher.ts"

/** What the child measured. */
export interface SdkMemoryResult {
  readonly mode: "sdk" | "fetch"
  readonly subscribers: number
  readonly open: number
  readonly received: number
  readonly openSeconds: number
  readonly rssPerSubscription: number
  /** JavaScriptCore heap growth per subscription (`bun:jsc` heapStats().heapSize), after a full GC. */
  readonly heapPerSubscription: number
}

const config = JSON.parse(process.argv[2] ?? "{}") as {
  url: string
  subscribers: number
  mode: "sdk" | "fetch"
}

const settle = async () => {
  Bun.gc(true)
  await Bun.sleep(200)
  Bun.gc(true)
}

const waitFor = async (done: () => boolean, timeoutMs: number) => {
  const deadline = performance.now() + timeoutMs
  while (!done() && performance.now() < deadline) await Bun.sleep(20)
}

await settle()
const before = { rss: process.memoryUsage().rss, heap: heapStats().heapSize }
const start = performance.now()
let open = 0
let received = 0
const closers: (() => void)[] = []

if (config.mode === "sdk") {
  const client = createTetherClient({ baseUrl: config.url })
  for (let i = 0; i < config.subscribers; i++) {
    let counted = false
    const subscription = client.global.event.subscribe({
      onEvent: (event) => {
        if (event.type === BENCH_EVENT_TYPE) received++
      },
      onStatus: (status) => {
        if (status.state === "open" && !counted) {
          counted = true
          open++
        }
      },
    })
    closers.push(() => subscription.close())
  }
} else {
  const marker = new TextEncoder().encode(BENCH_EVENT_TYPE)
  for (let i = 0; i < config.subscribers; i++) {
    const controller = new AbortController()
    closers.push(() => controller.abort())
    void fetch(`${config.url}/global/event`, {
      signal: controller.signal,
      headers: { Accept: "text/event-stream" },
    })
      .then(async (response) => {
        open++
        for await (const chunk of response.body as ReadableStream<Uint8Array>) {
          // Count the published event by its type's bytes; the baseline does no parsing.
          if (Buffer.from(chunk).includes(marker)) received++
        }
      })
      .catch(() => {})
  }
}

await waitFor(() => open >= config.subscribers, 60_000)
const openSeconds = (performance.now() - start) / 1000
await fetch(`${config.url}/global/event`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ type: BENCH_EVENT_TYPE, properties: { seq: 0 } }),
})
await waitFor(() => received >= open, 30_000)
// Two heartbeats pass, so per-connection timers and buffers are in their steady state.
await Bun.sleep(2000)
await settle()
const after = { rss: process.memoryUsage().rss, heap: heapStats().heapSize }
const result: SdkMemoryResult = {
  mode: config.mode,
  subscribers: config.subscribers,
  open,
  received,
  openSeconds,
  rssPerSubscription: (after.rss - before.rss) / Math.max(1, open),
  heapPerSubscription: (after.heap - before.heap) / Math.max(1, open),
}
for (const close of closers) close()
console.log(JSON.stringify(result))
process.exit(0)
