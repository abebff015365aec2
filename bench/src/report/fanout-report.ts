/**
 * The fan-out suite's markdown: one table per C with ratios to the floor, one for idle cost and
 * memory, and the SVG series of p99 latency per server.
 *
 * @module
 */
import type { ServerName } from "../options.ts"
import { SERVER_LABELS, SERVER_SHORT_LABELS } from "../servers/registry.ts"
import { type FanoutRow, marginalRssPerConnection } from "../suites/fanout.ts"
import { kib, markdownTable, mib, ms, num, ratio } from "./markdown.ts"
import type { ChartSeries } from "./svg-chart.ts"

const byServer = (rows: readonly FanoutRow[]): Map<ServerName, FanoutRow[]> => {
  const map = new Map<ServerName, FanoutRow[]>()
  for (const row of rows) map.set(row.server, [...(map.get(row.server) ?? []), row])
  return map
}

const label = (row: FanoutRow): string =>
  row.errors.length > 0 && row.runs === 0
    ? `${SERVER_LABELS[row.server]} (failed)`
    : SERVER_LABELS[row.server]

/** One table per C: delivery, latency, CPU, and ratios to the floor at the same C. */
export const fanoutTables = (rows: readonly FanoutRow[], rate: number): string => {
  const sections: string[] = []
  const counts = [...new Set(rows.map((row) => row.connections))].sort((a, b) => a - b)
  for (const connections of counts) {
    const atC = rows.filter((row) => row.connections === connections)
    const floor = atC.find((row) => row.server === "floor")
    sections.push(
      `### ${num(connections)} subscribers × ${num(rate)} events/s (${num(connections * rate)} deliveries/s offered)`,
      "",
      markdownTable(
        [
          "server",
          "all connected (s)",
          "delivered %",
          "deliveries/s",
          "p50 ms",
          "p99 ms",
          "max ms",
          "server CPU % (publish)",
          "CPU µs/delivery",
          "p99 ÷ floor",
          "CPU ÷ floor",
          "rate ÷ floor",
          "generator CPU %",
        ],
        atC.map((row) => [
          label(row),
          num(row.connectSeconds, 2),
          num(row.deliveredPercent, 1),
          num(row.deliveriesPerSecond),
          ms(row.p50),
          `${ms(row.p99)}${(row.deliveredPercent ?? 100) < 99 ? " †" : ""}`,
          ms(row.max),
          num(row.publishCpuPercent),
          num(row.cpuMicrosPerDelivery, 1),
          ratio(row.p99, floor?.p99),
          ratio(row.publishCpuPercent, floor?.publishCpuPercent),
          ratio(row.deliveriesPerSecond, floor?.deliveriesPerSecond),
          num(row.generatorCpuPercent),
        ]),
      ),
      "",
    )
    if (atC.some((row) => (row.deliveredPercent ?? 100) < 99)) {
      sections.push(
        "† over the events delivered within the window only: the undelivered ones have no latency.",
        "",
      )
    }
    const failures = atC.filter((row) => row.errors.length > 0)
    for (const row of failures) {
      sections.push(
        `- ${SERVER_LABELS[row.server]}: ${row.errors.length} run(s) failed: ${row.errors[0]?.split("\n")[0]}`,
      )
    }
    if (failures.length > 0) sections.push("")
  }
  return sections.join("\n")
}

/** Idle heartbeat cost and memory per server and C, with the marginal RSS per connection. */
export const idleAndMemoryTable = (rows: readonly FanoutRow[]): string => {
  const groups = byServer(rows)
  const table = markdownTable(
    [
      "server",
      "C",
      "idle CPU % (1 s heartbeat)",
      "heartbeats/conn/s",
      "RSS/conn KiB (this C)",
      "marginal KiB/conn (min→max C)",
      "peak RSS MiB",
    ],
    [...groups.entries()].flatMap(([, serverRows]) => {
      const marginal = marginalRssPerConnection(serverRows)
      return serverRows.map((row, index) => [
        index === 0 ? label(row) : "",
        num(row.connections),
        num(row.idleCpuPercent, 1),
        num(row.heartbeatsPerSecond, 2),
        kib(row.rssPerConnection),
        index === 0 ? kib(marginal) : "",
        mib(row.peakRss),
      ])
    }),
  )
  return table
}

/** p99 latency per server over C, for the SVG. */
export const latencySeries = (rows: readonly FanoutRow[]): ChartSeries[] =>
  [...byServer(rows).entries()].map(([server, serverRows]) => ({
    name: SERVER_SHORT_LABELS[server],
    points: serverRows.map((row) => ({ x: row.connections, y: row.p99 })),
  }))
