/**
 * The client suite: SDK parser throughput against `eventsource-parser`, and the memory of N SDK
 * subscriptions in one process against N bare `fetch` streams.
 *
 * @module
 */
import { join } from "node:path"
import type { ParserBenchRow } from "../client/parser-bench.ts"
import type { SdkMemoryResult } from "../client/sdk-memory.ts"
import type { BenchOptions } from "../options.ts"
import { runJsonProcess, startServer } from "../process/spawn-server.ts"
import { markdownTable, num, ratio } from "../report/markdown.ts"
import { launchFor, tetherAvailable } from "../servers/registry.ts"

const CLIENT_DIR = join(import.meta.dir, "../client")

/** Run both client benchmarks; returns the report section and the parser figures (for the targets). */
export const runClientSuite = async (
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{ markdown: string; parser: ParserBenchRow[] }> => {
  const out: string[] = ["## Client side", ""]
  let parser: ParserBenchRow[] = []

  log("client: parser throughput")
  try {
    const rows = await runJsonProcess<ParserBenchRow[]>(
      [process.execPath, "--conditions=@tether/source", join(CLIENT_DIR, "parser-bench.ts")],
      { scale: options.quick ? 0.25 : 1, rounds: options.quick ? 3 : 7 },
      { cpu: "1", timeoutMs: 180_000 },
    )
    parser = rows
    out.push(
      "### SSE parser throughput",
      "",
      "`createParser` of `@tether/sdk/sse` against `eventsource-parser` on the same pre-decoded text and the same " +
        "random chunk list (seeded), alone on CPU 1. Both are first checked to dispatch the same events and data. " +
        "MB/s of UTF-8 input, median of alternating rounds. Target: the SDK at least as fast.",
      "",
      markdownTable(
        [
          "input",
          "MB",
          "events",
          "@tether/sdk/sse MB/s",
          "eventsource-parser MB/s",
          "SDK ÷ eventsource-parser",
        ],
        rows.map((row) => [
          row.input,
          num(row.megabytes, 1),
          num(row.events),
          num(row.sdkMBps),
          num(row.referenceMBps),
          ratio(row.sdkMBps, row.referenceMBps),
        ]),
      ),
      "",
    )
  } catch (error) {
    out.push(`Parser benchmark failed: ${error instanceof Error ? error.message : String(error)}`, "")
  }

  const target = tetherAvailable() ? "tether-memory" : "floor"
  log(`client: memory of ${options.sdkSubscribers} subscriptions (server: ${target})`)
  try {
    const launch = await launchFor(target, options.heartbeatMs)
    const server = await startServer(launch.command, { cpu: "0", cwd: launch.cwd })
    const results: SdkMemoryResult[] = []
    try {
      for (const mode of ["sdk", "fetch"] as const) {
        results.push(
          await runJsonProcess<SdkMemoryResult>(
            [
              "env",
              "BUN_CONFIG_MAX_HTTP_REQUESTS=65535",
              process.execPath,
              "--conditions=@tether/source",
              join(CLIENT_DIR, "sdk-memory.ts"),
            ],
            { url: server.url, subscribers: options.sdkSubscribers, mode },
            { cpu: "1", timeoutMs: 120_000 },
          ),
        )
      }
    } finally {
      await server.stop()
    }
    out.push(
      `### ${num(options.sdkSubscribers)} subscriptions in one process`,
      "",
      `Against ${target === "floor" ? "the floor server (Tether's CLI was not there)" : "Tether (memory log)"}; ` +
        "each subscription open and holding one published event, two heartbeats later, after a full GC. " +
        "Bare `fetch` streams (read and dropped) are the runtime's own cost; the difference is what the SDK adds. " +
        "Bun allows 256 fetch connections per process by default: the child runs with `BUN_CONFIG_MAX_HTTP_REQUESTS` raised.",
      "",
      markdownTable(
        [
          "client",
          "open",
          "received",
          "all open (s)",
          "RSS KiB / subscription",
          "JS heap KiB / subscription",
        ],
        results.map((r) => [
          r.mode === "sdk" ? "SDK `global.event.subscribe`" : "bare `fetch` stream",
          `${num(r.open)} / ${num(r.subscribers)}`,
          num(r.received),
          num(r.openSeconds, 2),
          num(r.rssPerSubscription / 1024, 1),
          num(r.heapPerSubscription / 1024, 1),
        ]),
      ),
      "",
    )
  } catch (error) {
    out.push(
      `Subscription memory benchmark failed: ${error instanceof Error ? error.message : String(error)}`,
      "",
    )
  }
  return { markdown: out.join("\n"), parser }
}
