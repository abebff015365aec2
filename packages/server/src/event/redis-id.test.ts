import { describe, expect, test } from "bun:test"
import { compareRedisIds, formatRedisId, newGeneration, parseRedisId } from "./redis-id.ts"

describe("Redis log ids", () => {
  test("round trip", () => {
    const generation = newGeneration()
    expect(generation).toMatch(/^[0-9a-f]{12}$/)
    expect(formatRedisId(generation, 42)).toBe(`${generation}-0000000000000042`)
    expect(parseRedisId(formatRedisId(generation, 42))).toEqual({ generation, seq: 42 })
  })

  test("garbage, SQLite ids and other widths are not ids of this log", () => {
    for (const text of [
      "",
      "x",
      "0000000000000042",
      "3f9a0c1b2d4e-",
      "3f9a0c1b2d4e-42",
      "3F9A0C1B2D4E-0000000000000042",
      "3f9a0c1b2d4e-0000000000000042-2",
      "3f9a0c1b2d4e-9999999999999999",
    ])
      expect(parseRedisId(text)).toBeNull()
  })

  test("ordered by sequence within a generation, as strings too", () => {
    const id = (seq: number) => formatRedisId("3f9a0c1b2d4e", seq)
    expect(compareRedisIds(id(9), id(10))).toBeLessThan(0)
    expect(compareRedisIds(id(10), id(10))).toBe(0)
    expect(compareRedisIds(id(11), id(10))).toBeGreaterThan(0)
    expect([id(10), id(9), id(100)].sort()).toEqual([id(9), id(10), id(100)])
  })

  test("two generations order consistently (never equal)", () => {
    const a = formatRedisId("000000000001", 500)
    const b = formatRedisId("000000000002", 1)
    expect(Math.sign(compareRedisIds(a, b))).toBe(-Math.sign(compareRedisIds(b, a)))
    expect(compareRedisIds(a, b)).not.toBe(0)
  })
})
