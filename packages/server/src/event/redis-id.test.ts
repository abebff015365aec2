import { describe, expect, test } from "bun:test"
import { compareRedisIds, formatRedisId, newGeneration, parseRedisId } from "./redis-id.ts"

describe("Redis log ids", () => {
  test("round trip", () => {
    const generation = newGeneration()
    expect(generation).toMatch(/^[0-9a-f]{12}$/)
    expect(parseRedisId(formatRedisId(generation, 42))).toEqual({ generation, seq: 42 })
  })

  test("garbage, SQLite ids and leading zeros are not ids of this log", () => {
    for (const text of [
      "",
      "x",
      "0000000000000042",
      "3f9a0c1b2d4e-",
      "3f9a0c1b2d4e-042",
      "3F9A0C1B2D4E-1",
      "3f9a0c1b2d4e-1-2",
    ])
      expect(parseRedisId(text)).toBeNull()
  })

  test("ordered by sequence within a generation, numerically", () => {
    expect(compareRedisIds("3f9a0c1b2d4e-9", "3f9a0c1b2d4e-10")).toBeLessThan(0)
    expect(compareRedisIds("3f9a0c1b2d4e-10", "3f9a0c1b2d4e-10")).toBe(0)
    expect(compareRedisIds("3f9a0c1b2d4e-11", "3f9a0c1b2d4e-10")).toBeGreaterThan(0)
  })

  test("two generations order consistently (never equal)", () => {
    const a = "000000000001-500"
    const b = "000000000002-1"
    expect(Math.sign(compareRedisIds(a, b))).toBe(-Math.sign(compareRedisIds(b, a)))
    expect(compareRedisIds(a, b)).not.toBe(0)
  })
})
