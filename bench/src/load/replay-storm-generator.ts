/**
 * Child process of the replay-storm suite (issue 17): against one running Tether (SQLite log, its
 * event-loop lag sampled in-process by `probe/loop-lag-preload.ts`), publish N events of B bytes, then
 * open C raw-socket clients at once, all resuming with the `Last-Event-ID` of the event just before
 * those N, and wait until each holds all N. Meanwhile readiness is polled every 250 ms and one live
 * subscriber watches the heartbeat and a trickle of publishes.
 *
 * Usage: `bun src/load/replay-storm-generator.ts '<StormConfig JSON>'`
 *
 * @module
 */
import { readFileSync } from "node:fs"
import { memoryOf } from "../stats/proc.ts"
import { publishOne } from "./publisher.ts"
import { SubscriberPool } from "./subscriber-pool.ts"

/** What one storm does. */
export interface StormConfig {
  readonly url: string
  readonly serverPid: number
  /** Resuming clients, all connected at once. */
  readonly clients: number
  /** Events each of them replays. */
  readonly events: number
  /** Frame size of each event on the wire. */
  readonly frameBytes: number
  /** The server's lag samples (`<epoch ms> <lag ms>` lines). */
  readonly lagFile: string
  /** Give up waiting for the replays after this long. */
  readonly timeoutSeconds: number
}

/** What one storm measured. */
export interface StormResult {
  readonly clients: number
  readonly events: number
  readonly frameBytes: number
  /**
   * The server's own event-loop lag during the storm, in ms; `busy*`: the part of each late tick the
   * server spent running (min of the lag and the CPU it used meanwhile), the rest being time it waited
   * for a core that other work on the machine held.
   */
  readonly lag: {
    readonly samples: number
    readonly p50: number
    readonly p99: number
    readonly max: number
    readonly busyP99: number
    readonly busyMax: number
  }
  /** From the first connect until every client held every event (null: not within the timeout). */
  readonly allReplayedSeconds: number | null
  readonly replayed: number
  readonly expected: number
  readonly duplicates: number
  readonly dropped: number
  readonly failedConnects: number
  /** Readiness polls during the storm: answered 200, answered otherwise, and the slowest answer. */
  readonly readiness: { readonly ok: number; readonly notOk: number; readonly slowestMs: number }
  /** What the live subscriber saw: the longest gap between heartbeats, and trickle publishes delivered. */
  readonly live: {
    readonly heartbeatMaxGapMs: number | null
    readonly delivered: number
    readonly sent: number
  }
  readonly peakRss: number
}

const config = JSON.parse(process.argv[2] ?? "{}") as StormConfig
const note = (text: string) => process.stderr.write(`    [storm] ${text}\n`)

const publish = (seq: number): Promise<string | null> => publishOne(config.url, seq, config.frameBytes)

// The marker the storm resumes after, then the N events, 32 in flight.
const marker = await publish(0)
if (marker === null) throw new Error("the marker publish was refused")
let next = 0
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < config.events) {
      const seq = next++
      if ((await publish(seq)) === null) throw new Error(`publish ${seq} was refused`)
    }
  }),
)
note(
  `${config.events} events of ${config.frameBytes} bytes logged; ${config.clients} clients resume from before them`,
)

// The live subscriber: heartbeats and trickle publishes (seqs past the storm's, so never confused).
const live = new SubscriberPool({ url: config.url, maxSeq: config.events + 10_000 })
await live.connect(1, 10_000)
const liveBase = live.totals.events
let heartbeatAt = performance.now()
let heartbeatsSeen = live.totals.heartbeats
let heartbeatMaxGap = 0
let trickleSent = 0
let stormRunning = true
const watchLive = (async () => {
  while (stormRunning) {
    await Bun.sleep(5)
    if (live.totals.heartbeats !== heartbeatsSeen) {
      const now = performance.now()
      heartbeatMaxGap = Math.max(heartbeatMaxGap, now - heartbeatAt)
      heartbeatAt = now
      heartbeatsSeen = live.totals.heartbeats
    }
  }
})()
const trickle = (async () => {
  while (stormRunning) {
    await Bun.sleep(200)
    void publish(config.events + trickleSent++).catch(() => null)
  }
})()
const readiness = { ok: 0, notOk: 0, slowestMs: 0 }
const pollReadiness = (async () => {
  while (stormRunning) {
    const start = performance.now()
    const status = await fetch(`${config.url}/global/health/ready`, { signal: AbortSignal.timeout(10_000) })
      .then(async (response) => {
        await response.arrayBuffer()
        return response.status
      })
      .catch(() => 0)
    readiness.slowestMs = Math.max(readiness.slowestMs, performance.now() - start)
    if (status === 200) readiness.ok++
    else readiness.notOk++
    await Bun.sleep(250)
  }
})()

// The storm: every client at once.
const pool = new SubscriberPool({
  url: config.url,
  maxSeq: config.events,
  concurrency: config.clients,
  headers: { "Last-Event-ID": marker },
})
const stormStart = Date.now()
const started = performance.now()
await pool.connect(config.clients, 60_000)
const expected = config.events * (config.clients - pool.totals.failed)
const deadline = performance.now() + config.timeoutSeconds * 1000
while (pool.totals.events < expected && pool.totals.open > 0 && performance.now() < deadline) {
  await Bun.sleep(20)
}
const done = pool.totals.events >= expected
const allReplayedSeconds = done ? (pool.totals.lastEventAt - started) / 1000 : null
const stormEnd = Date.now()
stormRunning = false
await Promise.all([watchLive, trickle, pollReadiness])
pool.close()
// The preload appends every 250 ms: wait for the storm's last samples.
await Bun.sleep(600)
live.close()

const lags: number[] = []
const busy: number[] = []
for (const line of readFileSync(config.lagFile, "utf8").split("\n")) {
  const [at, lag, cpu] = line.split(" ").map(Number)
  if (at === undefined || lag === undefined || at < stormStart || at > stormEnd) continue
  lags.push(lag)
  busy.push(Math.min(lag, cpu ?? lag))
}
const percentile = (values: number[], p: number) => {
  values.sort((a, b) => a - b)
  return values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] ?? 0
}
const result: StormResult = {
  clients: config.clients,
  events: config.events,
  frameBytes: config.frameBytes,
  lag: {
    samples: lags.length,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: percentile(lags, 100),
    busyP99: percentile(busy, 99),
    busyMax: percentile(busy, 100),
  },
  allReplayedSeconds,
  replayed: pool.totals.events,
  expected,
  duplicates: pool.totals.duplicates,
  dropped: pool.totals.dropped,
  failedConnects: pool.totals.failed,
  readiness: { ...readiness, slowestMs: Math.round(readiness.slowestMs) },
  live: {
    heartbeatMaxGapMs: heartbeatsSeen > 0 ? Math.round(heartbeatMaxGap) : null,
    delivered: live.totals.events - liveBase,
    sent: trickleSent,
  },
  peakRss: memoryOf(config.serverPid).hwm,
}
console.log(JSON.stringify(result))
process.exit(0)
