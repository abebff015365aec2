/**
 * Readiness on a real `tether serve` wedged on purpose by the test entry's fault layers (test/faults/):
 * ready first, then 503 naming the failed check and its figure, each answer within the check's deadline
 * (1000 ms; a blocked loop adds its blocked stretch, 1500 ms, before any answer at all).
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { ReadinessReport } from "../src/health/readiness.ts"
import { run, stopAll } from "./fixtures/ops-process.ts"
import { FAULT_ENTRY } from "./helpers/server-process.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-ops-ready-"))

afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

interface Poll {
  readonly status: number
  readonly ms: number
  readonly body: ReadinessReport
}

const poll = async (base: string): Promise<Poll> => {
  const started = performance.now()
  const response = await fetch(`${base}/global/health/ready`, { signal: AbortSignal.timeout(10_000) })
  const body = (await response.json()) as ReadinessReport
  return { status: response.status, ms: performance.now() - started, body }
}

/** Starts a server whose fault triggers 4000 ms after start; returns the first 503 and what came before. */
const wedge = async (
  fault: string,
  flags: readonly string[] = [],
): Promise<{ before: Poll; failed: Poll; liveness: number }> => {
  const server = run(
    [FAULT_ENTRY, "serve", "--port", "0", "--data-dir", join(dir, `${fault}${flags.join("")}`), ...flags],
    {
      TETHER_TEST_FAULT: `${fault}@4000`,
    },
  )
  const [, base = ""] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  const before = await poll(base)
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const result = await poll(base)
    if (result.status === 503) {
      // Liveness still says fine: exactly the zombie that readiness exists to catch.
      const liveness = (await fetch(`${base}/global/health`)).status
      await server.stop()
      return { before, failed: result, liveness }
    }
    await Bun.sleep(100)
  }
  throw new Error(`${fault}: never 503\n${server.stderr.join("\n")}`)
}

test("every fault: ready before, then 503 naming the check and its figure, within the deadline", async () => {
  // Concurrently: each server waits on its own fault, so the three cost the time of one.
  const [stall, store, block] = await Promise.all([
    wedge("stall-bus"),
    wedge("store-fail"),
    wedge("block-loop"),
  ])

  for (const { before } of [stall, store, block]) {
    // Ready before the fault (a slow shared machine may still be starting: accept a slow first poll).
    expect(before.body.checks.bus.ok && before.body.checks.store.ok).toBe(true)
  }

  expect(stall.failed.body.ready).toBe(false)
  expect(stall.failed.body.checks.bus).toMatchObject({ ok: false })
  expect(stall.failed.body.checks.bus.error).toContain("no probe came back through the bus within 1000 ms")
  expect(stall.failed.body.checks.store.ok).toBe(true)
  expect(stall.failed.ms).toBeLessThan(1000 + 2000)
  expect(stall.liveness).toBe(200)

  expect(store.failed.body.checks.store).toMatchObject({ ok: false })
  expect(store.failed.body.checks.store.error).toContain("TEST FAULT store-fail")
  expect(store.failed.body.checks.bus.ok).toBe(true)
  expect(store.failed.ms).toBeLessThan(1000 + 2000)
  expect(store.liveness).toBe(200)

  const lag = block.failed.body.checks.event_loop_lag_ms
  expect(lag.ok).toBe(false)
  expect(lag.value).toBeGreaterThan(lag.threshold_ms)
  expect(lag.error).toContain(`event loop lag ${lag.value} ms is over 500 ms`)
  expect(block.failed.ms).toBeLessThan(1500 + 1000 + 2000)
}, 40_000)

test("--ready-deadline-ms and --ready-max-lag-ms set the limits the checks are judged by", async () => {
  const stall = await wedge("stall-bus", ["--ready-deadline-ms", "300", "--ready-max-lag-ms", "250"])
  expect(stall.before.status).toBe(200)
  expect(stall.before.body.checks.event_loop_lag_ms.threshold_ms).toBe(250)
  expect(stall.failed.body.checks.bus.error).toContain("no probe came back through the bus within 300 ms")
  expect(stall.failed.body.checks.event_loop_lag_ms.threshold_ms).toBe(250)
  // The shorter deadline answers sooner than the default 1000 ms would let it.
  expect(stall.failed.ms).toBeLessThan(300 + 2000)
}, 30_000)
