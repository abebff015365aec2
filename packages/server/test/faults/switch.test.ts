import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createFaultSwitch, parseFaultSpec } from "./switch.ts"

describe("fault switch", () => {
  test("off without the env var", () => {
    const faults = createFaultSwitch({})
    expect(faults.active("stall-bus")).toBe(false)
    expect(faults.active("block-loop")).toBe(false)
    expect(faults.active("store-fail")).toBe(false)
  })

  test("parses kind and delay; rejects typos loudly", () => {
    expect(parseFaultSpec("store-fail")).toEqual({ kind: "store-fail", afterMs: 0 })
    expect(parseFaultSpec("block-loop@3000")).toEqual({ kind: "block-loop", afterMs: 3000 })
    expect(() => parseFaultSpec("stall-buss")).toThrow('unknown fault "stall-buss"')
    expect(() => parseFaultSpec("stall-bus@soon")).toThrow("whole number")
  })

  test("triggers only its own kind, after its delay", () => {
    let now = 1000
    const faults = createFaultSwitch({ TETHER_TEST_FAULT: "stall-bus@500" }, () => now)
    expect(faults.active("stall-bus")).toBe(false)
    now = 1499
    expect(faults.active("stall-bus")).toBe(false)
    now = 1500
    expect(faults.active("stall-bus")).toBe(true)
    expect(faults.active("store-fail")).toBe(false)
  })

  test("TETHER_TEST_FAULT_ONCE: only the first process to trigger gets the fault", () => {
    const dir = mkdtempSync(join(tmpdir(), "tether-fault-"))
    try {
      const env = { TETHER_TEST_FAULT: "store-fail", TETHER_TEST_FAULT_ONCE: join(dir, "once") }
      expect(createFaultSwitch(env).active("store-fail")).toBe(true)
      expect(createFaultSwitch(env).active("store-fail")).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("block-loop blocks the event loop once started", async () => {
    const faults = createFaultSwitch({ TETHER_TEST_FAULT: "block-loop@50" })
    faults.start()
    try {
      const started = performance.now()
      await Bun.sleep(100)
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000)
    } finally {
      faults.stop()
    }
  })
})
