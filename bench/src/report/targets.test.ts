import { describe, expect, test } from "bun:test"
import type { ServerName } from "../options.ts"
import type { FanoutRow } from "../suites/fanout.ts"
import { checkTargets } from "./targets.ts"

const row = (server: ServerName, connections: number, figures: Partial<FanoutRow>): FanoutRow => ({
  server,
  connections,
  runs: 1,
  errors: [],
  open: connections,
  connectSeconds: 1,
  p50: 1,
  p99: 10,
  max: 20,
  publishCpuPercent: 40,
  deliveredPercent: 100,
  deliveriesPerSecond: connections * 50,
  offeredPerSecond: connections * 50,
  idleCpuPercent: 1,
  heartbeatsPerSecond: 1,
  rssPerConnection: 5000,
  connectedRss: 10_000_000 + connections * 5000,
  baseRss: 10_000_000,
  peakRss: 20_000_000,
  generatorCpuPercent: 50,
  dropped: 0,
  duplicates: 0,
  cpuMicrosPerDelivery: 8,
  ...figures,
})

const find = (checks: ReturnType<typeof checkTargets>, prefix: string, server = "tether") =>
  checks.find((check) => check.target.startsWith(prefix) && check.server === server)

describe("checkTargets", () => {
  const rows = [
    row("floor", 1000, { p99: 10, publishCpuPercent: 40 }),
    row("hono", 1000, { p99: 40, publishCpuPercent: 70 }),
    row("effect-stream", 1000, { p99: 100, publishCpuPercent: 95 }),
    row("tether", 1000, { p99: 14, publishCpuPercent: 55, connectedRss: 10_000_000 + 1000 * 4096 }),
    row("hono", 10000, { deliveredPercent: 18, deliveriesPerSecond: 60_000, p99: 4000 }),
    row("effect-stream", 10000, { deliveredPercent: 100, deliveriesPerSecond: 380_000, p99: 5000 }),
    row("tether", 10000, {
      deliveredPercent: 100,
      deliveriesPerSecond: 400_000,
      p99: 3000,
      idleCpuPercent: 20,
      connectedRss: 10_000_000 + 10000 * 5000,
    }),
  ]
  const checks = checkTargets(rows, [{ input: "tiny", sdkMBps: 90, referenceMBps: 100 }])

  test("light load within 1.5× of the floor and better than the anchors", () => {
    expect(find(checks, "1 000 × 50/s: p99 and CPU")?.verdict).toBe("met")
    expect(find(checks, "1 000 × 50/s: lower p99")?.verdict).toBe("met")
  })

  test("overload compares with the anchor that delivered most", () => {
    const overload = find(checks, "10,000 × 50/s")
    // 400 000 / 380 000 = ×1.05 < 1.2
    expect(overload?.verdict).toBe("missed")
    expect(overload?.detail).toContain("effect-stream")
  })

  test("marginal memory is the slope between the smallest and largest C", () => {
    const memory = find(checks, "under 6 KiB")
    // (10000·5000 − 1000·4096) / 9000 = 5100 B ≈ 5.0 KiB
    expect(memory?.verdict).toBe("met")
    expect(memory?.detail).toContain("5.0 KiB")
  })

  test("idle CPU at 10 000 over 15 % misses", () => {
    expect(find(checks, "10 000 idle")?.verdict).toBe("missed")
  })

  test("the parser target uses the worst input", () => {
    expect(find(checks, "SDK parser", "sdk")?.verdict).toBe("missed")
  })

  test("two instances on Redis: p99 within 2× the single SQLite instance, everything delivered", () => {
    const redis = checkTargets(
      [
        row("tether", 1000, { p99: 14 }),
        row("tether-redis", 1000, { p99: 27 }),
        row("tether-redis", 5000, { deliveredPercent: 99.5 }),
      ],
      [],
    )
    expect(find(redis, "2 instances on Redis, 1 000 × 50/s: p99", "tether-redis")?.verdict).toBe("met")
    expect(find(redis, "2 instances on Redis, 1,000 × 50/s: 100 %", "tether-redis")?.verdict).toBe("met")
    expect(find(redis, "2 instances on Redis, 5,000 × 50/s: 100 %", "tether-redis")?.verdict).toBe("missed")
    const slow = checkTargets([row("tether", 1000, { p99: 14 }), row("tether-redis", 1000, { p99: 29 })], [])
    expect(find(slow, "2 instances on Redis, 1 000 × 50/s: p99", "tether-redis")?.verdict).toBe("missed")
  })

  test("without the rows a target is n/a, not met", () => {
    const sparse = checkTargets([row("tether", 200, {})], [])
    expect(find(sparse, "1 000 × 50/s: p99 and CPU")?.verdict).toBe("n/a")
    expect(find(sparse, "under 6 KiB")?.verdict).toBe("n/a")
    expect(find(sparse, "10 000 idle")?.verdict).toBe("n/a")
  })
})
