import { describe, expect, test } from "bun:test"
import { cpuSeconds, memoryOf, parseProcStat, parseProcStatus } from "./proc.ts"

describe("parseProcStat", () => {
  test("utime and stime are fields 14 and 15, in clock ticks", () => {
    const line =
      "1234 (bun) R 1 1234 1234 0 -1 4194304 500 0 0 0 250 75 0 0 20 0 4 0 100 1000 200 18446744073709551615"
    expect(parseProcStat(line)).toEqual({ user: 2.5, system: 0.75 })
  })

  test("a command name with spaces and parentheses does not shift the fields", () => {
    const line = "7 (a b) (c)) S 1 7 7 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 1 1 1"
    expect(parseProcStat(line)).toEqual({ user: 0.1, system: 0.2 })
  })

  test("garbage is an error, not zero", () => {
    expect(() => parseProcStat("nope")).toThrow(/not a \/proc/)
    expect(() => parseProcStat("1 (x) S 1")).toThrow(/no utime/)
  })
})

describe("parseProcStatus", () => {
  test("reads VmRSS and VmHWM in KiB", () => {
    const text = "Name:\tbun\nVmPeak:\t 9999 kB\nVmHWM:\t   2048 kB\nVmRSS:\t   1024 kB\nThreads:\t4\n"
    expect(parseProcStatus(text)).toEqual({ rss: 1024 * 1024, hwm: 2048 * 1024 })
  })

  test("a missing field is an error", () => {
    expect(() => parseProcStatus("VmRSS:\t 1 kB\n")).toThrow(/VmHWM/)
  })
})

describe("live /proc of this process", () => {
  test("cpu time grows while we spin and memory is plausible", () => {
    // Spin until the kernel has charged us a tick (10 ms), with a generous bound for a busy machine.
    const before = cpuSeconds("self")
    const until = performance.now() + 10_000
    let x = 0
    while (cpuSeconds("self") === before && performance.now() < until) {
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(i)
    }
    expect(x).toBeGreaterThan(0)
    expect(cpuSeconds("self")).toBeGreaterThan(before)
    const memory = memoryOf("self")
    expect(memory.rss).toBeGreaterThan(1024 * 1024)
    expect(memory.hwm).toBeGreaterThanOrEqual(memory.rss)
  })
})
