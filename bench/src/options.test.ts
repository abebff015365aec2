import { describe, expect, test } from "bun:test"
import { parseOptions, repeatsFor, SERVER_NAMES } from "./options.ts"

describe("parseOptions", () => {
  test("defaults are the full run", () => {
    const options = parseOptions([])
    if (options === "help") throw new Error("unexpected help")
    expect(options.connections).toEqual([1000, 5000, 10000])
    expect(options.rate).toBe(50)
    expect(options.publishSeconds).toBe(5)
    expect(options.servers).toEqual([...SERVER_NAMES])
    // docs/BENCHMARKS.md is tracked: a run writes it only when asked to.
    expect(options.write).toBe(false)
    expect(repeatsFor(options, 1000)).toBe(3)
    expect(repeatsFor(options, 5000)).toBe(2)
  })

  test("--quick shortens and flags override it", () => {
    const options = parseOptions(["--quick", "--connections", "300, 600", "--rate=20", "--write"])
    if (options === "help") throw new Error("unexpected help")
    expect(options.quick).toBe(true)
    expect(options.connections).toEqual([300, 600])
    expect(options.rate).toBe(20)
    expect(options.publishSeconds).toBe(2)
    expect(repeatsFor(options, 600)).toBe(1)
    const given = parseOptions(["--repeats", "4"])
    if (given === "help") throw new Error("unexpected help")
    expect(repeatsFor(given, 10_000)).toBe(4)
    expect(options.write).toBe(true)
  })

  test("--no-write is no longer a flag: not writing is the default", () => {
    expect(() => parseOptions(["--no-write"])).toThrow("unknown flag --no-write")
  })

  test("--servers and --suites take known names only", () => {
    const options = parseOptions(["--servers", "floor,tether", "--suites", "fanout"])
    if (options === "help") throw new Error("unexpected help")
    expect(options.servers).toEqual(["floor", "tether"])
    expect(options.suites).toEqual(["fanout"])
    expect(() => parseOptions(["--servers", "floor,nginx"])).toThrow(/--servers: unknown "nginx"/)
  })

  test("bad numbers and unknown flags name the flag and the value", () => {
    expect(() => parseOptions(["--connections", "1000,abc"])).toThrow(
      /--connections: expected a positive integer, got "abc"/,
    )
    expect(() => parseOptions(["--rate", "-5"])).toThrow(/--rate/)
    expect(() => parseOptions(["--repeats"])).toThrow(/--repeats: expected a positive integer, got undefined/)
    expect(() => parseOptions(["--frobnicate", "1"])).toThrow(/unknown flag --frobnicate/)
    expect(() => parseOptions(["stray"])).toThrow(/unexpected argument "stray"/)
  })

  test("--cpu-prof takes a directory", () => {
    const options = parseOptions(["--cpu-prof", "/tmp/prof"])
    if (options === "help") throw new Error("unexpected help")
    expect(options.cpuProfDir).toBe("/tmp/prof")
    expect(() => parseOptions(["--cpu-prof"])).toThrow(/--cpu-prof: expected a directory/)
  })

  test("--help", () => {
    expect(parseOptions(["--quick", "--help"])).toBe("help")
  })
})
