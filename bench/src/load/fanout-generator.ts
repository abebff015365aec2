/**
 * The load generator process of one fan-out run (spawned by the orchestrator on its own core):
 * connect C subscribers, hold them idle to measure the heartbeat cost, publish at a fixed rate,
 * drain, and print one JSON line with everything measured. The server is measured from outside
 * through `/proc/<pid>`.
 *
 * Usage: `bun src/load/fanout-generator.ts '<FanoutConfig JSON>'`
 *
 * @module
 */
import { type LatencySummary, summarize } from "../stats/percentiles.ts"
import { cpuSeconds, memoryOf } from "../stats/proc.ts"
import { type PublishCounts, publishAtRate } from "./publisher.ts"
import { SubscriberPool } from "./subscriber-pool.ts"

/** What one run does. */
export interface FanoutConfig {
  readonly url: string
  readonly serverPid: number
  /** Several instances sharing one log: subscribers split over them, publishes through each in turn. */
  readonly urls?: readonly string[]
  /** Every process of the server side (instances and their Redis): CPU and memory are their sums. */
  readonly serverPids?: readonly number[]
  readonly connections: number
  readonly rate: number
  readonly publishSeconds: number
  readonly drainSeconds: number
  readonly idleSeconds: number
  readonly connectTimeoutSeconds: number
  readonly frameBytes: number
}

/** What one run measured. Times in seconds, memory in bytes, latency in milliseconds. */
export interface FanoutResult {
  readonly connect: { requested: number; open: number; failed: number; seconds: number }
  readonly idle: {
    seconds: number
    serverCpuSeconds: number
    cpuPercent: number
    heartbeatsPerConnectionPerSecond: number
  }
  readonly memory: { baseRss: number; connectedRss: number; rssPerConnection: number; peakRss: number }
  readonly publish: {
    seconds: number
    sent: number
    acked: number
    failed: number
    firstError?: string
    serverCpuSeconds: number
    serverCpuPercent: number
    generatorCpuPercent: number
  }
  readonly delivery: {
    expected: number
    received: number
    duplicates: number
    outOfRange: number
    dropped: number
    deliveredPercent: number
    /** From the first publish to the last delivery (or the end of the drain window). */
    seconds: number
    perSecond: number
    latency: LatencySummary
  }
}

const config = JSON.parse(process.argv[2] ?? "{}") as FanoutConfig
const note = (text: string) => process.stderr.write(`    [gen] ${text}\n`)

const serverPids = config.serverPids ?? [config.serverPid]
const urls = config.urls === undefined ? {} : { urls: config.urls }
const serverCpu = () => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)
const serverMemory = () =>
  serverPids.map((pid) => memoryOf(pid)).reduce((sum, m) => ({ rss: sum.rss + m.rss, hwm: sum.hwm + m.hwm }))
const baseRss = serverMemory().rss
/** Events published before measuring, so JIT warm-up and the publisher's first TCP connect are not in the figures. */
const WARMUP_EVENTS = 10
const pool = new SubscriberPool({
  url: config.url,
  ...urls,
  maxSeq: WARMUP_EVENTS + Math.ceil(config.rate * config.publishSeconds) + 1,
})

const connectStart = performance.now()
await pool.connect(config.connections, config.connectTimeoutSeconds * 1000)
const connectSeconds = (performance.now() - connectStart) / 1000
note(`${pool.totals.open}/${config.connections} open in ${connectSeconds.toFixed(2)} s`)

// Warm up, then idle: only heartbeats flow. Let that work settle first, then measure a whole window.
await publishAtRate({
  url: config.url,
  ...urls,
  rate: config.rate,
  seconds: WARMUP_EVENTS / config.rate,
  frameBytes: config.frameBytes,
})
await Bun.sleep(500)
pool.totals.events = 0
const idleCpu0 = serverCpu()
const idleBeats0 = pool.totals.heartbeats
const idleStart = performance.now()
await Bun.sleep(config.idleSeconds * 1000)
const idleSeconds = (performance.now() - idleStart) / 1000
const idleCpu = serverCpu() - idleCpu0
const idleBeats = pool.totals.heartbeats - idleBeats0
const connectedRss = serverMemory().rss
const open = pool.totals.open

// Publish, then drain until all delivered or the window ends. The window is fixed from the first
// send (publish + drain seconds), not from the last acknowledgement: an overloaded server answers
// publishes late, and that must not lengthen the time it is given to deliver.
pool.recording = true
const publishCpu0 = serverCpu()
const generatorCpu0 = cpuSeconds("self")
const publishStart = performance.now()
const publishEndDue = publishStart + config.publishSeconds * 1000
const windowEnd = publishEndDue + config.drainSeconds * 1000
let counts: PublishCounts | undefined
const publishing = publishAtRate({
  url: config.url,
  ...urls,
  rate: config.rate,
  seconds: config.publishSeconds,
  frameBytes: config.frameBytes,
  firstSeq: WARMUP_EVENTS,
}).then((result) => {
  counts = result
  return result
})
let publishCpu: number | undefined
for (;;) {
  const now = performance.now()
  if (publishCpu === undefined && now >= publishEndDue) publishCpu = serverCpu() - publishCpu0
  if (now >= windowEnd) break
  if (counts !== undefined && pool.totals.events >= counts.acked * open) break
  await Bun.sleep(20)
}
publishCpu ??= serverCpu() - publishCpu0
const drainEnd = performance.now()
// What arrived within the window; later deliveries count as undelivered.
pool.recording = false
const received = pool.totals.events
const lastEventAt = pool.totals.lastEventAt
const generatorCpu = cpuSeconds("self") - generatorCpu0
const peakRss = serverMemory().hwm
// Acknowledgements still owed (a saturated server) get a bounded wait: they decide what was expected.
const final = await Promise.race([publishing, Bun.sleep(30_000).then(() => counts)])
pool.close()
// No answers in time (a collapsed server): every publish sent counts as expected, so the row shows
// what was lost rather than 0 of 0.
const published = final ?? {
  sent: Math.max(1, Math.round(config.rate * config.publishSeconds)),
  acked: 0,
  failed: 0,
  firstError: "the publishes were not all answered within 30 s of the window",
}
const expected = (final ? published.acked : published.sent) * open
const publishSeconds = (Math.min(drainEnd, publishEndDue) - publishStart) / 1000
const deliverySeconds = ((received >= expected ? lastEventAt : drainEnd) - publishStart) / 1000
const result: FanoutResult = {
  connect: { requested: config.connections, open, failed: pool.totals.failed, seconds: connectSeconds },
  idle: {
    seconds: idleSeconds,
    serverCpuSeconds: idleCpu,
    cpuPercent: (100 * idleCpu) / idleSeconds,
    heartbeatsPerConnectionPerSecond: open > 0 ? idleBeats / open / idleSeconds : 0,
  },
  memory: {
    baseRss,
    connectedRss,
    rssPerConnection: open > 0 ? (connectedRss - baseRss) / open : 0,
    peakRss,
  },
  publish: {
    seconds: publishSeconds,
    sent: published.sent,
    acked: published.acked,
    failed: published.failed,
    ...(published.firstError ? { firstError: published.firstError } : {}),
    serverCpuSeconds: publishCpu,
    serverCpuPercent: (100 * publishCpu) / publishSeconds,
    generatorCpuPercent: (100 * generatorCpu) / ((drainEnd - publishStart) / 1000),
  },
  delivery: {
    expected,
    received,
    duplicates: pool.totals.duplicates,
    outOfRange: pool.totals.outOfRange,
    dropped: pool.totals.dropped,
    deliveredPercent: expected > 0 ? (100 * received) / expected : 0,
    seconds: deliverySeconds,
    perSecond: deliverySeconds > 0 ? received / deliverySeconds : 0,
    latency: summarize(pool.latencies.toArray()),
  },
}
console.log(JSON.stringify(result))
process.exit(0)
