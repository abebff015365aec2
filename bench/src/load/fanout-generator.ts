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
import { publishAtRate } from "./publisher.ts"
import { SubscriberPool } from "./subscriber-pool.ts"

/** What one run does. */
export interface FanoutConfig {
  readonly url: string
  readonly serverPid: number
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

const baseRss = memoryOf(config.serverPid).rss
/** Events published before measuring, so JIT warm-up and the publisher's first TCP connect are not in the figures. */
const WARMUP_EVENTS = 10
const pool = new SubscriberPool({
  url: config.url,
  maxSeq: WARMUP_EVENTS + Math.ceil(config.rate * config.publishSeconds) + 1,
})

const connectStart = performance.now()
await pool.connect(config.connections, config.connectTimeoutSeconds * 1000)
const connectSeconds = (performance.now() - connectStart) / 1000
note(`${pool.totals.open}/${config.connections} open in ${connectSeconds.toFixed(2)} s`)

// Warm up, then idle: only heartbeats flow. Let that work settle first, then measure a whole window.
await publishAtRate({
  url: config.url,
  rate: config.rate,
  seconds: WARMUP_EVENTS / config.rate,
  frameBytes: config.frameBytes,
})
await Bun.sleep(500)
pool.totals.events = 0
const idleCpu0 = cpuSeconds(config.serverPid)
const idleBeats0 = pool.totals.heartbeats
const idleStart = performance.now()
await Bun.sleep(config.idleSeconds * 1000)
const idleSeconds = (performance.now() - idleStart) / 1000
const idleCpu = cpuSeconds(config.serverPid) - idleCpu0
const idleBeats = pool.totals.heartbeats - idleBeats0
const connectedRss = memoryOf(config.serverPid).rss
const open = pool.totals.open

// Publish, then drain until all delivered or the window ends.
pool.recording = true
const publishCpu0 = cpuSeconds(config.serverPid)
const generatorCpu0 = cpuSeconds("self")
const publishStart = performance.now()
const counts = await publishAtRate({
  url: config.url,
  rate: config.rate,
  seconds: config.publishSeconds,
  frameBytes: config.frameBytes,
  firstSeq: WARMUP_EVENTS,
})
const publishEnd = performance.now()
const publishCpu = cpuSeconds(config.serverPid) - publishCpu0
const expected = counts.acked * open
const drainDeadline = publishEnd + config.drainSeconds * 1000
while (pool.totals.events < expected && performance.now() < drainDeadline) await Bun.sleep(20)
const drainEnd = performance.now()
const generatorCpu = cpuSeconds("self") - generatorCpu0
const peakRss = memoryOf(config.serverPid).hwm
pool.recording = false
pool.close()

const received = pool.totals.events
const deliverySeconds = ((received >= expected ? pool.totals.lastEventAt : drainEnd) - publishStart) / 1000
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
    seconds: (publishEnd - publishStart) / 1000,
    sent: counts.sent,
    acked: counts.acked,
    failed: counts.failed,
    ...(counts.firstError ? { firstError: counts.firstError } : {}),
    serverCpuSeconds: publishCpu,
    serverCpuPercent: (100 * publishCpu) / ((publishEnd - publishStart) / 1000),
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
