import { describe, expect, test } from "bun:test"
import { startLoopLagMonitor } from "./loop-lag.ts"
import { makeReadiness, readinessResponse } from "./readiness.ts"

const healthy = { busRoundTrip: async () => {}, storeWrite: async () => {}, lagMs: () => 3 }

describe("readiness", () => {
  test("all checks pass → 200 with each figure", async () => {
    const report = await makeReadiness(healthy).check()
    expect(report.ready).toBe(true)
    expect(report.checks.bus.ok).toBe(true)
    expect(report.checks.store.ok).toBe(true)
    expect(report.checks.event_loop_lag_ms).toEqual({ ok: true, value: 3, threshold_ms: 500 })
    expect(readinessResponse(report).status).toBe(200)
  })

  test("a bus that never answers fails by its deadline, and the probe is aborted", async () => {
    let aborted = false
    const readiness = makeReadiness(
      {
        ...healthy,
        busRoundTrip: (signal) =>
          new Promise(() => {
            signal.addEventListener("abort", () => {
              aborted = true
            })
          }),
      },
      { deadlineMs: 200 },
    )
    const started = performance.now()
    const report = await readiness.check()
    expect(performance.now() - started).toBeLessThan(1500)
    expect(report.ready).toBe(false)
    expect(report.checks.bus.ok).toBe(false)
    expect(report.checks.bus.error).toContain("within 200 ms")
    expect(report.checks.store.ok).toBe(true)
    expect(aborted).toBe(true)
    const response = readinessResponse(report)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { ready: boolean }).ready).toBe(false)
  })

  test("a failing store names the error", async () => {
    const report = await makeReadiness({
      ...healthy,
      storeWrite: async () => {
        throw new Error("disk I/O error")
      },
    }).check()
    expect(report.ready).toBe(false)
    expect(report.checks.store.error).toContain("disk I/O error")
  })

  test("lag over the threshold fails with its figure", async () => {
    const report = await makeReadiness({ ...healthy, lagMs: () => 900 }, { lagThresholdMs: 500 }).check()
    expect(report.ready).toBe(false)
    expect(report.checks.event_loop_lag_ms).toEqual({
      ok: false,
      value: 900,
      threshold_ms: 500,
      error: "event loop lag 900 ms is over 500 ms",
    })
  })

  test("concurrent checks share one run", async () => {
    let probes = 0
    const readiness = makeReadiness({
      ...healthy,
      busRoundTrip: async () => {
        probes++
        await Bun.sleep(20)
      },
    })
    await Promise.all([readiness.check(), readiness.check(), readiness.check()])
    expect(probes).toBe(1)
    await readiness.check()
    expect(probes).toBe(2)
  })
})

describe("loop lag monitor", () => {
  test("sees a blocked loop, during and after the block", async () => {
    const monitor = startLoopLagMonitor(20, 2000)
    try {
      await Bun.sleep(60)
      const until = Date.now() + 300
      while (Date.now() < until) {
        // block the loop on purpose
      }
      expect(monitor.lagMs()).toBeGreaterThanOrEqual(250)
      await Bun.sleep(60)
      expect(monitor.lagMs()).toBeGreaterThanOrEqual(250)
    } finally {
      monitor.stop()
    }
  })
})
