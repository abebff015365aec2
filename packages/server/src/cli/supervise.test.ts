import { describe, expect, test } from "bun:test"
import { parseSuperviseArgs, SUPERVISE_DEFAULTS } from "./supervise.ts"

describe("parseSuperviseArgs", () => {
  test("keeps its own flags and passes the rest on to the child", () => {
    const parsed = parseSuperviseArgs([
      "--supervise",
      "--port",
      "0",
      "--ready-grace-ms=2000",
      "--data-dir",
      "/tmp/d",
      "--ready-deadline-ms",
      "500",
    ])
    expect(parsed.options.readyGraceMs).toBe(2000)
    expect(parsed.options.readyIntervalMs).toBe(SUPERVISE_DEFAULTS.readyIntervalMs)
    expect(parsed.childArgs).toEqual(["--port", "0", "--data-dir", "/tmp/d", "--ready-deadline-ms", "500"])
    expect(parsed.port).toBe(0)
  })

  test("a bad value names the flag and the value", () => {
    expect(() => parseSuperviseArgs(["--supervise", "--ready-grace-ms", "soon"])).toThrow(
      '--ready-grace-ms: expected a whole number of milliseconds ≥ 1, got "soon"',
    )
    expect(() => parseSuperviseArgs(["--supervise", "--port", "70000"])).toThrow(
      '--port: expected an integer from 0 to 65535, got "70000"',
    )
  })

  test("a poll timeout not longer than the child's readiness deadline is refused", () => {
    expect(() => parseSuperviseArgs(["--supervise", "--ready-deadline-ms", "2000"])).toThrow(
      "--ready-timeout-ms (2000) must be longer than the server's --ready-deadline-ms (2000)",
    )
    expect(() => parseSuperviseArgs(["--supervise", "--ready-timeout-ms", "800"])).toThrow(
      "--ready-timeout-ms (800) must be longer than the server's --ready-deadline-ms (1000, its default)",
    )
    expect(
      parseSuperviseArgs(["--supervise", "--ready-deadline-ms", "2000", "--ready-timeout-ms", "3000"]).options
        .readyTimeoutMs,
    ).toBe(3000)
  })
})
