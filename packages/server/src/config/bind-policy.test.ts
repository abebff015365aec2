import { describe, expect, test } from "bun:test"
import { bindRefusal, isLoopback } from "./bind-policy.ts"

describe("bind", () => {
  test("a non-loopback bind without a password is refused with why and how", () => {
    const message = bindRefusal("0.0.0.0", undefined)
    expect(message).toContain("refusing to listen on 0.0.0.0 without a password")
    expect(message).toContain("TETHER_SERVER_PASSWORD")
    expect(message).toContain("--hostname 127.0.0.1")
    expect(bindRefusal("192.168.1.5", "")).not.toBeNull()
    expect(bindRefusal("0.0.0.0", "x")).toBeNull()
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"])
      expect(bindRefusal(host, undefined)).toBeNull()
  })

  test("isLoopback", () => {
    expect(isLoopback("127.0.0.1")).toBe(true)
    expect(isLoopback("0.0.0.0")).toBe(false)
    expect(isLoopback("::")).toBe(false)
    expect(isLoopback("example.com")).toBe(false)
  })
})
