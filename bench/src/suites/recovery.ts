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
  const config: RecoveryConfig = {
    subscribers: options.sdkSubscribers,
    heartbeatMs: options.heartbeatMs,
    downSeconds: 2,
    eventsBefore: 20,
    eventsAfter: 20,
  }
  log(`recovery: ${config.subscribers} SDK subscribers, SIGKILL, ${config.downSeconds} s down, restart`)
  let result: RecoveryResult
  try {
    result = await runJsonProcess<RecoveryResult>(
      [
        "env",
        "BUN_CONFIG_MAX_HTTP_REQUESTS=65535",
        process.execPath,
        "--conditions=@tether/source",
        GENERATOR,
      ],
      config,
      { cpu: "1", timeoutMs: 240_000 },
    )
  } catch (error) {
    return [...out, `Failed: ${error instanceof Error ? error.message : String(error)}`, ""].join("\n")
  }
  const seconds = (value: number | null) => (value === null ? "not within 60 s" : num(value, 2))
  out.push(
    `Tether with the SQLite log on CPU 0; ${num(config.subscribers)} \`createTetherClient().global.event.subscribe\` ` +
      `subscriptions in one process on CPU 1 with the SDK's default backoff (base from the server's \`retry:\`, ` +
      `cap 30 s, jitter ±25 %). ${config.eventsBefore} events, SIGKILL, ${config.downSeconds} s down, restart on the same ` +
      `port and data dir, ${config.eventsAfter} more events published as soon as it listens. Times are from the restarted ` +
      `server's listening line. "Caught up" means holding all ${config.eventsBefore + config.eventsAfter} events exactly once.`,
    "",
    markdownTable(
      [
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
      [
        [
          num(result.subscribers),
          num(result.restartSeconds, 2),
          seconds(result.allOpenSeconds),
          seconds(result.allCaughtUpSeconds),
          `${num(result.caughtUp)} / ${num(result.subscribers)}`,
          num(result.duplicates),
          num(result.resyncs),
          num(result.attempts),
          `${num(result.peakAttemptsPer100ms)} (${num((100 * result.peakAttemptsPer100ms) / result.subscribers)} % of C)`,
        ],
      ],
    ),
    "",
    "Connection attempts per 100 ms from the kill (one character each; the server was down for the first " +
      `${num(result.downSeconds, 1)} s):`,
    "",
    "```",
    sparkline(result.histogram),
    "```",
    "",
  )
  return out.join("\n")
}
