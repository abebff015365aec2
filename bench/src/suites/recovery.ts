/**
 * The recovery suite: C SDK subscribers, the server SIGKILLed and restarted on the same port and
 * data dir; time until all are back and caught up, and the spread of their reconnects.
 *
 * @module
 */
import { join } from "node:path"
import type { RecoveryConfig, RecoveryResult } from "../load/recovery-generator.ts"
import type { BenchOptions } from "../options.ts"
import { runJsonProcess } from "../process/spawn-server.ts"
import { markdownTable, num } from "../report/markdown.ts"
import { sparkline } from "../report/sparkline.ts"
import { tetherAvailable } from "../servers/registry.ts"

const GENERATOR = join(import.meta.dir, "../load/recovery-generator.ts")

/** Run the suite; returns the report section. */
export const runRecoverySuite = async (
  options: BenchOptions,
  log: (line: string) => void,
): Promise<string> => {
  const out = ["## Recovery: server killed and restarted under SDK subscribers", ""]
  if (!tetherAvailable()) return [...out, "Skipped: Tether's CLI is not there.", ""].join("\n")
  const base: RecoveryConfig = {
    subscribers: options.sdkSubscribers,
    heartbeatMs: options.heartbeatMs,
    downSeconds: 2,
    eventsBefore: 20,
    eventsAfter: 20,
  }
  const results: RecoveryResult[] = []
  // The SDK default first; then without jitter, to show the herd the jitter flattens.
  for (const jitter of [undefined, 0]) {
    const config: RecoveryConfig = jitter === undefined ? base : { ...base, jitter }
    log(
      `recovery: ${config.subscribers} SDK subscribers (jitter ${jitter ?? "default"}), SIGKILL, ${config.downSeconds} s down, restart`,
    )
    try {
      results.push(
        await runJsonProcess<RecoveryResult>(
          [
            "env",
            "BUN_CONFIG_MAX_HTTP_REQUESTS=65535",
            process.execPath,
            "--conditions=@tether/source",
            GENERATOR,
          ],
          config,
          { cpu: "1", timeoutMs: 240_000 },
        ),
      )
    } catch (error) {
      out.push(
        `Run with jitter ${jitter ?? "default"} failed: ${error instanceof Error ? error.message : String(error)}`,
        "",
      )
    }
  }
  if (results.length === 0) return out.join("\n")
  const seconds = (value: number | null) => (value === null ? "not within 60 s" : num(value, 2))
  out.push(
    `Tether with the SQLite log on CPU 0; ${num(base.subscribers)} \`createTetherClient().global.event.subscribe\` ` +
      "subscriptions in one process on CPU 1 with the SDK's backoff (base from the server's `retry:`, cap 30 s). " +
      `${base.eventsBefore} events, SIGKILL, ${base.downSeconds} s down, restart on the same ` +
      `port and data dir, ${base.eventsAfter} more events published as soon as it listens. Times are from the restarted ` +
      `server's listening line. "Caught up" means holding all ${base.eventsBefore + base.eventsAfter} events exactly once. ` +
      "The second row turns the jitter off to show the herd it flattens.",
    "",
    markdownTable(
      [
        "jitter",
        "subscribers",
        "restart to listening (s)",
        "all reconnected (s)",
        "all caught up (s)",
        "caught up",
        "duplicates",
        "resyncs",
        "connection attempts",
        "peak attempts / 100 ms",
      ],
      results.map((result) => [
        result.jitter === null ? "±25 % (SDK default)" : `±${num(result.jitter * 100)} %`,
        num(result.subscribers),
        num(result.restartSeconds, 2),
        seconds(result.allOpenSeconds),
        seconds(result.allCaughtUpSeconds),
        `${num(result.caughtUp)} / ${num(result.subscribers)}`,
        num(result.duplicates),
        num(result.resyncs),
        num(result.attempts),
        `${num(result.peakAttemptsPer100ms)} (${num((100 * result.peakAttemptsPer100ms) / result.subscribers)} % of C)`,
      ]),
    ),
    "",
    "Connection attempts per 100 ms from the kill (one character each, scaled to each row's peak; the server was down " +
      `for the first ${num(results[0]?.downSeconds ?? base.downSeconds, 1)} s):`,
    "",
    "```",
    ...results.map(
      (result) =>
        `${(result.jitter === null ? "±25 %" : `±${num(result.jitter * 100)} %`).padEnd(6)} ${sparkline(result.histogram)}`,
    ),
    "```",
    "",
  )
  return out.join("\n")
}
