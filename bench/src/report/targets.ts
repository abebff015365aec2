/**
 * Issue 8's targets, checked against one run's figures. Each check says what was compared, so a
 * reader can see why it passed or missed, and "n/a" when the run did not measure it (e.g. `--quick`
 * has no 10 000-subscriber row).
 *
 * @module
 */
import type { ServerName } from "../options.ts"
import { type FanoutRow, marginalRssPerConnection } from "../suites/fanout.ts"
import { markdownTable, num } from "./markdown.ts"

/** One target's verdict. */
export interface TargetCheck {
  readonly target: string
  readonly server: ServerName | "sdk"
  readonly verdict: "met" | "missed" | "n/a"
  readonly detail: string
}

/** Parser throughput pairs (MB/s) per input, from the client suite. */
export interface ParserFigures {
  readonly input: string
  readonly sdkMBps: number
  readonly referenceMBps: number
}

const ANCHORS: readonly ServerName[] = ["hono", "better-sse", "effect-stream"]
const LIGHT_C = 1000

const verdict = (ok: boolean): "met" | "missed" => (ok ? "met" : "missed")
const f1 = (value: number | null) => num(value, 1)

/**
 * Check every target for each Tether server present in `rows`.
 *
 * @example
 * ```ts
 * checkTargets(rows, parserRows).filter((c) => c.verdict === "missed")
 * ```
 */
export const checkTargets = (rows: readonly FanoutRow[], parser: readonly ParserFigures[]): TargetCheck[] => {
  const checks: TargetCheck[] = []
  const at = (server: ServerName, connections: number) =>
    rows.find((row) => row.server === server && row.connections === connections && row.runs > 0)
  const tethers = (["tether", "tether-memory"] as const).filter((server) =>
    rows.some((row) => row.server === server),
  )
  const counts = [...new Set(rows.map((row) => row.connections))].sort((a, b) => a - b)

  for (const server of tethers) {
    // Light load.
    const own = at(server, LIGHT_C)
    const floor = at("floor", LIGHT_C)
    if (!own || !floor || own.p99 === null || floor.p99 === null) {
      checks.push({
        target: "1 000 × 50/s: p99 and CPU within 1.5× the floor",
        server,
        verdict: "n/a",
        detail: "no 1 000 row for both",
      })
    } else {
      const p99Ratio = own.p99 / floor.p99
      const cpuRatio = (own.publishCpuPercent ?? 0) / (floor.publishCpuPercent || 1)
      checks.push({
        target: "1 000 × 50/s: p99 and CPU within 1.5× the floor",
        server,
        verdict: verdict(p99Ratio <= 1.5 && cpuRatio <= 1.5),
        detail: `p99 ×${p99Ratio.toFixed(2)}, CPU ×${cpuRatio.toFixed(2)} of the floor`,
      })
      const anchors = ANCHORS.map((name) => at(name, LIGHT_C)).filter(
        (row): row is FanoutRow => row !== undefined,
      )
      if (anchors.length === 0) {
        checks.push({
          target: "1 000 × 50/s: better than every anchor",
          server,
          verdict: "n/a",
          detail: "no anchor rows",
        })
      } else {
        const beaten = anchors.filter(
          (row) =>
            (own.p99 ?? Infinity) < (row.p99 ?? Infinity) &&
            (own.publishCpuPercent ?? Infinity) < (row.publishCpuPercent ?? Infinity),
        )
        checks.push({
          target: "1 000 × 50/s: lower p99 and CPU than Hono, better-sse, Effect stream",
          server,
          verdict: verdict(beaten.length === anchors.length),
          detail: anchors
            .map((row) => `${row.server} ${f1(row.p99)} ms / ${num(row.publishCpuPercent)} %`)
            .join("; ")
            .concat(` vs ${f1(own.p99)} ms / ${num(own.publishCpuPercent)} %`),
        })
      }
    }

    // Overload.
    for (const connections of counts.filter((c) => c >= 5000)) {
      const mine = at(server, connections)
      const anchors = ANCHORS.map((name) => at(name, connections)).filter(
        (row): row is FanoutRow => row !== undefined,
      )
      if (!mine || anchors.length === 0) continue
      const best = anchors.reduce((a, b) =>
        (b.deliveriesPerSecond ?? 0) > (a.deliveriesPerSecond ?? 0) ? b : a,
      )
      const all = (mine.deliveredPercent ?? 0) >= 100
      const rate = (mine.deliveriesPerSecond ?? 0) / (best.deliveriesPerSecond || 1)
      const p99Below = (mine.p99 ?? Infinity) < (best.p99 ?? Infinity)
      checks.push({
        target: `${num(connections)} × 50/s: all delivered, rate ≥ 1.2× and p99 below the best anchor`,
        server,
        verdict: verdict(all && rate >= 1.2 && p99Below),
        detail:
          `delivered ${f1(mine.deliveredPercent)} %, ${num(mine.deliveriesPerSecond)}/s = ×${rate.toFixed(2)} of ${best.server}, ` +
          `p99 ${f1(mine.p99)} vs ${f1(best.p99)} ms`,
      })
    }

    // Memory and idle cost.
    const serverRows = rows.filter((row) => row.server === server && row.runs > 0)
    const marginal = marginalRssPerConnection(serverRows)
    const span =
      serverRows.length > 1
        ? `${num(serverRows[0]?.connections)} → ${num(serverRows.at(-1)?.connections)}`
        : ""
    checks.push({
      target: "under 6 KiB RSS per idle connection (marginal)",
      server,
      verdict: marginal === null ? "n/a" : verdict(marginal < 6 * 1024),
      detail: marginal === null ? "needs two C" : `${num(marginal / 1024, 1)} KiB (${span})`,
    })
    const largest = serverRows.at(-1)
    checks.push({
      target: "10 000 idle connections at 1 s heartbeat under 15 % of a core",
      server,
      verdict:
        largest && largest.connections >= 10_000 ? verdict((largest.idleCpuPercent ?? 100) < 15) : "n/a",
      detail: largest ? `${f1(largest.idleCpuPercent)} % at ${num(largest.connections)}` : "no rows",
    })
  }

  // Issue 12: several instances on one Redis log, next to the single SQLite instance of the same run.
  if (rows.some((row) => row.server === "tether-redis")) {
    const pair = at("tether-redis", LIGHT_C)
    const single = at("tether", LIGHT_C)
    checks.push({
      target: "2 instances on Redis, 1 000 × 50/s: p99 within 2× the single SQLite instance",
      server: "tether-redis",
      verdict: pair?.p99 == null || single?.p99 == null ? "n/a" : verdict(pair.p99 <= 2 * single.p99),
      detail:
        pair?.p99 == null || single?.p99 == null
          ? "no 1 000 row for both"
          : `p99 ${f1(pair.p99)} vs ${f1(single.p99)} ms (×${(pair.p99 / single.p99).toFixed(2)}); CPU ${f1(pair.cpuMicrosPerDelivery)} vs ${f1(single.cpuMicrosPerDelivery)} µs/delivery`,
    })
    for (const connections of counts.filter((c) => c === LIGHT_C || c === 5000)) {
      const mine = at("tether-redis", connections)
      checks.push({
        target: `2 instances on Redis, ${num(connections)} × 50/s: 100 % delivered`,
        server: "tether-redis",
        verdict: mine === undefined ? "n/a" : verdict((mine.deliveredPercent ?? 0) >= 100),
        detail:
          mine === undefined ? "no row" : `delivered ${f1(mine.deliveredPercent)} %, p99 ${f1(mine.p99)} ms`,
      })
    }
  }

  if (parser.length > 0) {
    const slowest = parser.reduce((a, b) =>
      b.sdkMBps / b.referenceMBps < a.sdkMBps / a.referenceMBps ? b : a,
    )
    checks.push({
      target: "SDK parser at least as fast as eventsource-parser",
      server: "sdk",
      verdict: verdict(parser.every((row) => row.sdkMBps >= row.referenceMBps)),
      detail: `worst input: ${slowest.input}, ×${(slowest.sdkMBps / slowest.referenceMBps).toFixed(2)}`,
    })
  }
  return checks
}

/** The checks as a markdown table. */
export const targetsTable = (checks: readonly TargetCheck[]): string =>
  markdownTable(
    ["target (issue 8)", "who", "verdict", "figures"],
    checks.map((check) => [
      check.target,
      check.server,
      check.verdict === "missed" ? "**missed**" : check.verdict,
      check.detail,
    ]),
    () => false,
  )
