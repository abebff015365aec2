/**
 * The event-log suite (issue 5's benchmark): publish throughput with the SQLite log against the
 * in-memory log, and replay of N events to a client resuming with `Last-Event-ID`, both servers
 * measured in the same run with the same generator.
 *
 * @module
 */
import { join } from "node:path"
import type { LogConfig, LogResult } from "../load/log-generator.ts"
import type { BenchOptions } from "../options.ts"
import { runJsonProcess, startServer } from "../process/spawn-server.ts"
import { markdownTable, mib, num, ratio } from "../report/markdown.ts"
import { launchFor, SERVER_LABELS, tetherAvailable } from "../servers/registry.ts"

const GENERATOR = join(import.meta.dir, "../load/log-generator.ts")
const CONCURRENCY = 32

/** Run the suite against Tether with each log; returns the report section. */
export const runEventLogSuite = async (
  options: BenchOptions,
  log: (line: string) => void,
): Promise<string> => {
  const out = ["## Event log: publish and replay (issue 5)", ""]
  if (!tetherAvailable())
    return [...out, "Skipped: Tether's CLI (packages/server/src/cli/main.ts) is not there.", ""].join("\n")
  const results = new Map<"tether" | "tether-memory", LogResult | string>()
  for (const server of ["tether", "tether-memory"] as const) {
    log(`event log: ${server}, ${options.logEvents} events`)
    const launch = await launchFor(server, options.heartbeatMs)
    let running: Awaited<ReturnType<typeof startServer>> | undefined
    try {
      running = await startServer(launch.command, { cpu: "0", cwd: launch.cwd })
      const config: LogConfig = {
        url: running.url,
        serverPid: running.pid,
        events: options.logEvents,
        concurrency: CONCURRENCY,
        frameBytes: 256,
      }
      results.set(
        server,
        await runJsonProcess<LogResult>([process.execPath, GENERATOR], config, {
          cpu: "1",
          timeoutMs: 300_000,
        }),
      )
    } catch (error) {
      results.set(server, error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error))
    } finally {
      await running?.stop()
    }
  }
  const memory = results.get("tether-memory")
  const base = typeof memory === "object" ? memory : undefined
  const rows = [...results.entries()].map(([server, result]) =>
    typeof result === "string"
      ? [SERVER_LABELS[server], `failed: ${result}`, "", "", "", "", "", "", ""]
      : [
          SERVER_LABELS[server],
          num(result.serial.perSecond),
          num(result.concurrent.perSecond),
          ratio(result.concurrent.perSecond, base?.concurrent.perSecond),
          num(result.concurrent.cpuMicrosPerEvent),
          `${num(result.replay.received)} / ${num(result.replay.expected)}${result.replay.duplicates > 0 ? ` (${result.replay.duplicates} duplicates)` : ""}`,
          num(result.replay.seconds * 1000),
          num(result.replay.perSecond),
          mib(result.peakRss),
        ],
  )
  out.push(
    `Each server alone on CPU 0, the generator on CPU 1, no live subscribers. Publish: ${num(options.logEvents)} ` +
      `256-byte events answered 202 (one in flight; then ${CONCURRENCY} in flight), server CPU per event from /proc. ` +
      `Replay: one client connects with the \`Last-Event-ID\` of the event just before those ${num(options.logEvents)} ` +
      "and must receive every one of them (counted by the publisher's sequence numbers); time from connect to the last.",
    "",
    markdownTable(
      [
        "server",
        "publishes/s (1 in flight)",
        `publishes/s (${CONCURRENCY} in flight)`,
        "÷ memory log",
        "server CPU µs / publish",
        "replayed",
        "replay ms",
        "replayed events/s",
        "peak RSS MiB",
      ],
      rows,
    ),
    "",
  )
  return out.join("\n")
}
