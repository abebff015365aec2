/**
 * The fan-out suite: for each C and each server, start the server pinned to core 0, run the load
 * generator pinned to core 1, stop the server. Repeats rotate the server order so no server always
 * runs right after the same neighbour.
 *
 * @module
 */
import { join } from "node:path"
import type { FanoutConfig, FanoutResult } from "../load/fanout-generator.ts"
import { type BenchOptions, repeatsFor, type ServerName } from "../options.ts"
import { runJsonProcess, startServer } from "../process/spawn-server.ts"
import { startRedisPair } from "../servers/redis-pair.ts"
import { launchFor } from "../servers/registry.ts"
import { median } from "../stats/percentiles.ts"

/** The runs of one (server, C) cell. */
export interface FanoutCell {
  readonly server: ServerName
  readonly connections: number
  readonly runs: FanoutResult[]
  readonly errors: string[]
}

/** A cell's medians over its runs (null where no run succeeded). */
export interface FanoutRow {
  readonly server: ServerName
  readonly connections: number
  readonly runs: number
  readonly errors: string[]
  readonly open: number | null
  readonly connectSeconds: number | null
  readonly p50: number | null
  readonly p99: number | null
  readonly max: number | null
  readonly publishCpuPercent: number | null
  readonly deliveredPercent: number | null
  readonly deliveriesPerSecond: number | null
  readonly offeredPerSecond: number | null
  readonly idleCpuPercent: number | null
  readonly heartbeatsPerSecond: number | null
  readonly rssPerConnection: number | null
  readonly connectedRss: number | null
  readonly baseRss: number | null
  readonly peakRss: number | null
  readonly generatorCpuPercent: number | null
  readonly dropped: number | null
  readonly duplicates: number | null
  /** Server CPU (all its processes) per event delivered during the publish phase, in microseconds. */
  readonly cpuMicrosPerDelivery: number | null
}

const GENERATOR = join(import.meta.dir, "../load/fanout-generator.ts")

/** Medians of a cell's runs. */
export const summarizeCell = (cell: FanoutCell): FanoutRow => {
  const of = (pick: (run: FanoutResult) => number | null): number | null =>
    median(cell.runs.map(pick).filter((value): value is number => value !== null))
  return {
    server: cell.server,
    connections: cell.connections,
    runs: cell.runs.length,
    errors: cell.errors,
    open: of((run) => run.connect.open),
    connectSeconds: of((run) => run.connect.seconds),
    p50: of((run) => run.delivery.latency.p50),
    p99: of((run) => run.delivery.latency.p99),
    max: of((run) => run.delivery.latency.max),
    publishCpuPercent: of((run) => run.publish.serverCpuPercent),
    deliveredPercent: of((run) => run.delivery.deliveredPercent),
    deliveriesPerSecond: of((run) => run.delivery.perSecond),
    offeredPerSecond: of((run) =>
      run.delivery.expected > 0 ? run.delivery.expected / run.publish.seconds : null,
    ),
    idleCpuPercent: of((run) => run.idle.cpuPercent),
    heartbeatsPerSecond: of((run) => run.idle.heartbeatsPerConnectionPerSecond),
    rssPerConnection: of((run) => run.memory.rssPerConnection),
    connectedRss: of((run) => run.memory.connectedRss),
    baseRss: of((run) => run.memory.baseRss),
    peakRss: of((run) => run.memory.peakRss),
    generatorCpuPercent: of((run) => run.publish.generatorCpuPercent),
    dropped: of((run) => run.delivery.dropped),
    duplicates: of((run) => run.delivery.duplicates),
    cpuMicrosPerDelivery: of((run) =>
      run.delivery.received > 0 ? (1e6 * run.publish.serverCpuSeconds) / run.delivery.received : null,
    ),
  }
}

/**
 * Marginal RSS per connection of a server between its smallest and largest C: the slope of
 * (connected − base) RSS, which cancels the fixed cost of the runtime. `null` with fewer than two C.
 */
export const marginalRssPerConnection = (rows: readonly FanoutRow[]): number | null => {
  const usable = rows
    .filter((row) => row.connectedRss !== null && row.baseRss !== null && (row.open ?? 0) > 0)
    .sort((a, b) => (a.open ?? 0) - (b.open ?? 0))
  const low = usable[0]
  const high = usable.at(-1)
  if (!low || !high || low === high || high.open === low.open) return null
  const growth = (row: FanoutRow) => (row.connectedRss ?? 0) - (row.baseRss ?? 0)
  return (growth(high) - growth(low)) / ((high.open ?? 0) - (low.open ?? 0))
}

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.map((_, i) => items[(i + by) % items.length] as T)

/** Run every (server, C) cell its number of repeats, in rounds. `log` gets one line per run. */
export const runFanout = async (
  options: BenchOptions,
  log: (line: string) => void,
): Promise<FanoutCell[]> => {
  const cells = new Map<string, FanoutCell>()
  for (const connections of options.connections) {
    for (const server of options.servers) {
      cells.set(`${server}/${connections}`, { server, connections, runs: [], errors: [] })
    }
  }
  const rounds = Math.max(...options.connections.map((c) => repeatsFor(options, c)))
  for (let repeat = 0; repeat < rounds; repeat++) {
    for (const connections of options.connections) {
      if (repeat >= repeatsFor(options, connections)) continue
      for (const server of rotate(options.servers, repeat)) {
        const cell = cells.get(`${server}/${connections}`) as FanoutCell
        const started = performance.now()
        try {
          const result = await runOne(server, connections, options)
          cell.runs.push(result)
          log(
            `  ${server.padEnd(14)} C=${String(connections).padStart(5)}  p99 ${result.delivery.latency.p99?.toFixed(1) ?? "-"} ms` +
              `  cpu ${result.publish.serverCpuPercent.toFixed(0)} %  delivered ${result.delivery.deliveredPercent.toFixed(1)} %` +
              `  (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          )
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          cell.errors.push(message)
          log(
            `  ${server.padEnd(14)} C=${String(connections).padStart(5)}  FAILED: ${message.split("\n")[0]}`,
          )
        }
      }
    }
  }
  return [...cells.values()]
}

const runOne = async (
  server: ServerName,
  connections: number,
  options: BenchOptions,
): Promise<FanoutResult> => {
  const profile = options.cpuProfDir
    ? { dir: options.cpuProfDir, name: `${server}-${connections}-${Date.now()}` }
    : undefined
  const running =
    server === "tether-redis"
      ? await startRedisPair({ heartbeatMs: options.heartbeatMs, cpu: "0" })
      : await launchFor(server, options.heartbeatMs, profile).then((launch) =>
          startServer(launch.command, { cpu: "0", cwd: launch.cwd }),
        )
  const servers =
    "urls" in running
      ? {
          url: running.urls[0] as string,
          serverPid: running.pids[0] as number,
          urls: running.urls,
          serverPids: running.pids,
        }
      : { url: running.url, serverPid: running.pid }
  // The same server as "tether", with a Prometheus scraper polling it all along (the cost of metrics).
  const scraper = server === "tether-scraped" ? startScraper(`${servers.url}/global/metrics`) : null
  try {
    const config: FanoutConfig = {
      ...servers,
      connections,
      rate: options.rate,
      publishSeconds: options.publishSeconds,
      drainSeconds: options.drainSeconds,
      idleSeconds: options.idleSeconds,
      connectTimeoutSeconds: 60,
      frameBytes: 256,
    }
    const budget =
      config.connectTimeoutSeconds + options.idleSeconds + options.publishSeconds + options.drainSeconds + 30
    return await runJsonProcess<FanoutResult>([process.execPath, GENERATOR], config, {
      cpu: "1",
      timeoutMs: budget * 1000,
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`${message}\n--- server output ---\n${running.output()}`)
  } finally {
    await scraper?.stop()
    await running.stop()
    await Bun.sleep(300)
  }
}

/** How often the scraper polls: a typical Prometheus scrape interval is 15 s, so this is 15× that load. */
export const SCRAPE_EVERY_MS = 1000

/**
 * Polls `url` every {@link SCRAPE_EVERY_MS} (one request at a time) until stopped; throws at stop if
 * a scrape failed, so a broken endpoint cannot pass for a cheap one.
 */
const startScraper = (url: string): { stop: () => Promise<void> } => {
  let failure: string | null = null
  let inFlight: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    inFlight = inFlight.then(async () => {
      try {
        const response = await fetch(url)
        const text = await response.text()
        if (response.status !== 200 || !text.includes("tether_events_published_total")) {
          failure ??= `scrape of ${url} answered ${response.status}`
        }
      } catch (error) {
        failure ??= `scrape of ${url} failed: ${error instanceof Error ? error.message : String(error)}`
      }
    })
  }, SCRAPE_EVERY_MS)
  return {
    stop: async () => {
      clearInterval(timer)
      await inFlight
      if (failure !== null) throw new Error(failure)
    },
  }
}
