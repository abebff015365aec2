/**
 * Child process of the event-log suite (issue 5): against one running Tether, publish N events as
 * fast as the server acknowledges them (one at a time, then W in flight), then replay all N to a
 * client reconnecting with the `Last-Event-ID` of the event just before them.
 *
 * Usage: `bun src/load/log-generator.ts '<LogConfig JSON>'`
 *
 * @module
 */
import { cpuSeconds, memoryOf } from "../stats/proc.ts"
import { publishOne as publishTo } from "./publisher.ts"
import { SubscriberPool } from "./subscriber-pool.ts"

/** What one log run does. */
export interface LogConfig {
  readonly url: string
  readonly serverPid: number
  /** Events in each publish phase and in the replay. */
  readonly events: number
  /** Publishes in flight in the concurrent phase. */
  readonly concurrency: number
  readonly frameBytes: number
}

/** One publish phase. */
export interface PublishPhase {
  readonly events: number
  readonly seconds: number
  readonly perSecond: number
  readonly serverCpuSeconds: number
  /** Mean server CPU per acknowledged publish, in microseconds. */
  readonly cpuMicrosPerEvent: number
  readonly failed: number
}

/** What one log run measured. */
export interface LogResult {
  readonly serial: PublishPhase
  readonly concurrent: PublishPhase
  readonly replay: {
    readonly expected: number
    readonly received: number
    readonly duplicates: number
    readonly seconds: number
    readonly perSecond: number
    readonly serverCpuSeconds: number
  }
  readonly peakRss: number
}

const config = JSON.parse(process.argv[2] ?? "{}") as LogConfig

const publishOne = (seq: number): Promise<string | null> => publishTo(config.url, seq, config.frameBytes)

/** Publish seqs [first, first + count) with `width` requests in flight. */
const publishPhase = async (first: number, count: number, width: number): Promise<PublishPhase> => {
  const cpu0 = cpuSeconds(config.serverPid)
  const start = performance.now()
  let next = first
  let failed = 0
  const worker = async () => {
    while (next < first + count) {
      const seq = next++
      if ((await publishOne(seq).catch(() => null)) === null) failed++
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
  const seconds = (performance.now() - start) / 1000
  const serverCpuSeconds = cpuSeconds(config.serverPid) - cpu0
  const acked = count - failed
  return {
    events: acked,
    seconds,
    perSecond: acked / seconds,
    serverCpuSeconds,
    cpuMicrosPerEvent: acked > 0 ? (serverCpuSeconds * 1e6) / acked : 0,
    failed,
  }
}

// Warm up (JIT, the publisher's keep-alive connections), then the marker the replay resumes after.
for (let i = 0; i < 50; i++) await publishOne(0)
const serial = await publishPhase(0, Math.min(config.events, 2000), 1)
const markerId = await publishOne(0)
if (markerId === null) throw new Error("the marker publish was refused")
const concurrent = await publishPhase(0, config.events, config.concurrency)

// Replay: everything after the marker is exactly the concurrent phase's events.
const pool = new SubscriberPool({
  url: config.url,
  maxSeq: config.events,
  headers: { "Last-Event-ID": markerId },
})
const replayCpu0 = cpuSeconds(config.serverPid)
const replayStart = performance.now()
await pool.connect(1, 30_000)
const deadline = performance.now() + 60_000
while (pool.totals.events < concurrent.events && performance.now() < deadline && pool.totals.open > 0) {
  await Bun.sleep(5)
}
const replayEnd = pool.totals.events >= concurrent.events ? pool.totals.lastEventAt : performance.now()
const replayCpu = cpuSeconds(config.serverPid) - replayCpu0
pool.close()
const seconds = (replayEnd - replayStart) / 1000
const result: LogResult = {
  serial,
  concurrent,
  replay: {
    expected: concurrent.events,
    received: pool.totals.events,
    duplicates: pool.totals.duplicates,
    seconds,
    perSecond: pool.totals.events / seconds,
    serverCpuSeconds: replayCpu,
  },
  peakRss: memoryOf(config.serverPid).hwm,
}
console.log(JSON.stringify(result))
process.exit(0)
