/**
 * The replay-storm suite (issue 17): C clients resuming at once from before N events of B bytes
 * (the default: 300 × 10 000 × 4 KiB, 12 GB of replay) while the server must stay prompt. The figure
 * is the server's own event-loop lag during the storm (target: p99 under 100 ms), sampled inside the
 * server by a preloaded probe; beside it, the time until every client held every event, readiness
 * answers, and what a live subscriber saw meanwhile.
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { StormConfig, StormResult } from "../load/replay-storm-generator.ts"
import type { BenchOptions } from "../options.ts"
import { runJsonProcess, startServer } from "../process/spawn-server.ts"
import { markdownTable, mib, num } from "../report/markdown.ts"
import { REPO_ROOT, tetherAvailable, tetherCommand } from "../servers/registry.ts"

const GENERATOR = join(import.meta.dir, "../load/replay-storm-generator.ts")
const LAG_PRELOAD = join(import.meta.dir, "../probe/loop-lag-preload.ts")

/** The target for the server's event-loop lag p99 during the storm, in ms. */
export const STORM_LAG_P99_TARGET_MS = 100

/** Run the suite; returns the report section. */
export const runReplayStormSuite = async (
  options: BenchOptions,
  log: (line: string) => void,
): Promise<string> => {
  const out = ["## Replay storm: many clients resuming from far behind (issue 17)", ""]
  if (!tetherAvailable()) return [...out, "Skipped: Tether's CLI is not there.", ""].join("\n")
  const dir = mkdtempSync(join(tmpdir(), "tether-storm-"))
  const lagFile = join(dir, "lag.txt")
  log(
    `replay storm: ${options.stormClients} clients × ${options.stormEvents} events × ${options.stormEventBytes} bytes`,
  )
  let running: Awaited<ReturnType<typeof startServer>> | undefined
  let result: StormResult | string
  try {
    running = await startServer(tetherCommand({ heartbeatMs: options.heartbeatMs, preload: LAG_PRELOAD }), {
      cpu: "0",
      cwd: REPO_ROOT,
      env: { TETHER_BENCH_LAG_FILE: lagFile },
    })
    const config: StormConfig = {
      url: running.url,
      serverPid: running.pid,
      clients: options.stormClients,
      events: options.stormEvents,
      frameBytes: options.stormEventBytes,
      lagFile,
      timeoutSeconds: 300,
    }
    result = await runJsonProcess<StormResult>([process.execPath, GENERATOR], config, {
      cpu: "1",
      timeoutMs: 420_000,
    })
  } catch (error) {
    result = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)
  } finally {
    await running?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  if (typeof result === "string") return [...out, `Failed: ${result}`, ""].join("\n")
  const r = result
  out.push(
    `Tether (SQLite log, the bench config: ${options.heartbeatMs} ms heartbeat) alone on CPU 0; the generator on CPU 1 ` +
      `publishes ${num(r.events)} events of ${num(r.frameBytes)} bytes, then opens ${num(r.clients)} raw-socket clients at once, ` +
      "each resuming with the `Last-Event-ID` of the event just before them, and waits until each holds all of them " +
      "(counted by the publisher's sequence numbers). Lag is the server's own: a timer preloaded into it " +
      "(`bench/src/probe/loop-lag-preload.ts`) notes every 10 ms how late it fired, over the storm, and how much " +
      "CPU the server used meanwhile: the busy columns count only the part of a late tick the server spent running " +
      "(the rest it waited for a core held by other work on this shared machine). Meanwhile the " +
      "generator polls `GET /global/health/ready` every 250 ms, and one live subscriber counts heartbeats and 5 " +
      "publishes/s. Replay time is bounded by the generator too: it parses every byte on one core.",
    "",
    markdownTable(
      [
        "clients × events × bytes",
        "loop lag p50 ms",
        "loop lag p99 ms",
        "loop lag max ms",
        "busy lag p99 ms",
        "busy lag max ms",
        `p99 < ${STORM_LAG_P99_TARGET_MS} ms`,
        "all replayed (s)",
        "replayed",
        "duplicates",
        "dropped",
        "readiness 200 / other",
        "slowest readiness ms",
        "max heartbeat gap ms",
        "live publishes delivered",
        "server peak RSS MiB",
      ],
      [
        [
          `${num(r.clients)} × ${num(r.events)} × ${num(r.frameBytes)}`,
          num(r.lag.p50, 1),
          num(r.lag.p99, 1),
          num(r.lag.max, 1),
          num(r.lag.busyP99, 1),
          num(r.lag.busyMax, 1),
          r.lag.p99 < STORM_LAG_P99_TARGET_MS ? "yes" : "**no**",
          r.allReplayedSeconds === null ? "not within 300 s" : num(r.allReplayedSeconds, 1),
          `${num(r.replayed)} / ${num(r.expected)}`,
          num(r.duplicates),
          num(r.dropped),
          `${num(r.readiness.ok)} / ${num(r.readiness.notOk)}`,
          num(r.readiness.slowestMs),
          num(r.live.heartbeatMaxGapMs),
          `${num(r.live.delivered)} / ${num(r.live.sent)}`,
          mib(r.peakRss),
        ],
      ],
    ),
    "",
  )
  return out.join("\n")
}
