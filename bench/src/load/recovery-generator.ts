/**
 * Child process of the recovery suite: C SDK subscribers (this process, CPU 1) on a Tether server
 * (SQLite log, CPU 0) that is killed with SIGKILL and restarted on the same port and data dir.
 * Measures how long until every subscriber is back and holds every acknowledged event exactly once,
 * and how the SDK's jittered backoff spreads the reconnects (peak per 100 ms).
 *
 * Usage: `bun --conditions=@tether/source src/load/recovery-generator.ts '<RecoveryConfig JSON>'`
 *
 * @module
 */
import { createTetherClient } from "@tether/sdk"
import { exitWithChildrenOnSignal, startServer } from "../process/spawn-server.ts"
import { REPO_ROOT, tetherCommand, writeTetherBenchConfig } from "../servers/registry.ts"
import { BENCH_EVENT_TYPE } from "./publisher.ts"

/** What one recovery run does. */
export interface RecoveryConfig {
  readonly subscribers: number
  readonly heartbeatMs: number
  /** How long the server stays dead. */
  readonly downSeconds: number
  /** Events published before the kill and right after the restart. */
  readonly eventsBefore: number
  readonly eventsAfter: number
  /** The SDK's backoff jitter; absent: the SDK default (0.25). 0 shows the herd jitter prevents. */
  readonly jitter?: number
}

/** What one recovery run measured (times in seconds from the restarted server's listening line). */
export interface RecoveryResult {
  readonly jitter: number | null
  readonly subscribers: number
  readonly openBefore: number
  readonly downSeconds: number
  readonly restartSeconds: number
  readonly allOpenSeconds: number | null
  readonly allCaughtUpSeconds: number | null
  readonly caughtUp: number
  readonly duplicates: number
  readonly resyncs: number
  readonly attempts: number
  readonly peakAttemptsPer100ms: number
  /** Reconnect attempts per 100 ms bucket from the kill, for a sparkline. */
  readonly histogram: number[]
}

const config = JSON.parse(process.argv[2] ?? "{}") as RecoveryConfig
exitWithChildrenOnSignal()
const note = (text: string) => process.stderr.write(`    [recovery] ${text}\n`)
const { configPath, dataDir } = writeTetherBenchConfig(config.heartbeatMs)
const launch = (port: number) =>
  startServer(tetherCommand({ heartbeatMs: config.heartbeatMs, port, configPath, dataDir }), {
    cpu: "0",
    cwd: REPO_ROOT,
  })

let server = await launch(0)
const url = server.url
const port = Number(new URL(url).port)

// Every GET of the stream is one connection attempt; the wrapper records when it started.
const attemptTimes: number[] = []
const countingFetch: typeof fetch = Object.assign(
  (input: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET")
    if (method === "GET" && String(input instanceof Request ? input.url : input).includes("/global/event")) {
      attemptTimes.push(performance.now())
    }
    return fetch(input, init)
  },
  { preconnect: fetch.preconnect },
)

const client = createTetherClient({ baseUrl: url, fetch: countingFetch })
const total = config.eventsBefore + config.eventsAfter
interface Tracked {
  open: boolean
  seen: Uint8Array
  unique: number
}
const tracked: Tracked[] = []
let duplicates = 0
let resyncs = 0
const subscriptions = Array.from({ length: config.subscribers }, () => {
  const state: Tracked = { open: false, seen: new Uint8Array(total), unique: 0 }
  tracked.push(state)
  return client.global.event.subscribe({
    ...(config.jitter === undefined ? {} : { backoff: { jitter: config.jitter } }),
    onEvent: (event) => {
      if (event.type === "server.resync") resyncs++
      if (event.type !== BENCH_EVENT_TYPE) return
      const seq = (event.properties as { seq?: unknown }).seq
      if (typeof seq !== "number" || seq < 0 || seq >= total) return
      if (state.seen[seq] === 1) duplicates++
      else {
        state.seen[seq] = 1
        state.unique++
      }
    },
    onStatus: (status) => {
      state.open = status.state === "open"
    },
  })
})

const waitFor = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() > deadline) return false
    await Bun.sleep(10)
  }
  return true
}
const allOpen = () => tracked.every((t) => t.open)
const publish = async (seq: number) => {
  const response = await fetch(`${url}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: BENCH_EVENT_TYPE, properties: { seq } }),
  })
  await response.arrayBuffer()
  if (response.status !== 202) throw new Error(`publish ${seq} answered ${response.status}`)
}

try {
  await waitFor(allOpen, 60_000)
  const openBefore = tracked.filter((t) => t.open).length
  for (let seq = 0; seq < config.eventsBefore; seq++) await publish(seq)
  await waitFor(() => tracked.every((t) => t.unique >= config.eventsBefore), 30_000)
  note(`${openBefore}/${config.subscribers} open, ${config.eventsBefore} events each; SIGKILL`)

  const killedAt = performance.now()
  attemptTimes.length = 0
  await server.kill()
  await Bun.sleep(config.downSeconds * 1000)
  const restartBegan = performance.now()
  server = await launch(port)
  const upAt = performance.now()
  for (let seq = config.eventsBefore; seq < total; seq++) await publish(seq)
  const opened = await waitFor(allOpen, 60_000)
  const openAt = performance.now()
  const caught = await waitFor(() => tracked.every((t) => t.unique >= total), 60_000)
  const caughtAt = performance.now()

  const buckets: number[] = []
  for (const at of attemptTimes) {
    const bucket = Math.floor((at - killedAt) / 100)
    while (buckets.length <= bucket) buckets.push(0)
    buckets[bucket] = (buckets[bucket] ?? 0) + 1
  }
  const result: RecoveryResult = {
    jitter: config.jitter ?? null,
    subscribers: config.subscribers,
    openBefore,
    downSeconds: (restartBegan - killedAt) / 1000,
    restartSeconds: (upAt - restartBegan) / 1000,
    allOpenSeconds: opened ? (openAt - upAt) / 1000 : null,
    allCaughtUpSeconds: caught ? (caughtAt - upAt) / 1000 : null,
    caughtUp: tracked.filter((t) => t.unique >= total).length,
    duplicates,
    resyncs,
    attempts: attemptTimes.length,
    peakAttemptsPer100ms: Math.max(0, ...buckets),
    histogram: buckets,
  }
  console.log(JSON.stringify(result))
} finally {
  for (const subscription of subscriptions) subscription.close()
  await server.stop()
}
process.exit(0)
