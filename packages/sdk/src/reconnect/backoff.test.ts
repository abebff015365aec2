import { describe, expect, test } from "bun:test"
import { seededRandom } from "../../test/helpers/random.ts"
import { backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from "./backoff.ts"

const middle = () => 0.5 // factor exactly 1

describe("backoffDelay", () => {
  test("doubles from 500 ms and caps at 30 s (defaults, no jitter effect)", () => {
    const delays = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, middle))
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000])
  })

  test("huge attempt numbers stay at the cap", () => {
    expect(backoffDelay(5000, DEFAULT_BACKOFF, middle)).toBe(30_000)
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, DEFAULT_BACKOFF, middle)).toBe(30_000)
  })

  test("attempt 0 or below is treated as the first attempt", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, middle)).toBe(500)
  })

  test("jitter bounds: the factor spans [1 - jitter, 1 + jitter]", () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(375)
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999_999_9)).toBe(625)
    expect(backoffDelay(7, DEFAULT_BACKOFF, () => 0)).toBe(22_500)
    expect(backoffDelay(7, DEFAULT_BACKOFF, () => 0.999_999_9)).toBe(37_500)
    const random = seededRandom(7)
    for (let attempt = 1; attempt <= 12; attempt++) {
      const raw = Math.min(30_000, 500 * 2 ** (attempt - 1))
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, random)
        expect(delay).toBeGreaterThanOrEqual(Math.floor(raw * 0.75))
        expect(delay).toBeLessThanOrEqual(Math.ceil(raw * 1.25))
      }
    }
  })

  test("jitter spreads a herd: 1000 clients' first delays cover the range", () => {
    const random = seededRandom(1)
    const delays = Array.from({ length: 1000 }, () => backoffDelay(1, DEFAULT_BACKOFF, random))
    expect(Math.min(...delays)).toBeLessThan(400)
    expect(Math.max(...delays)).toBeGreaterThan(600)
    // Roughly uniform: each fifth of the range holds a fair share.
    for (let bucket = 0; bucket < 5; bucket++) {
      const low = 375 + bucket * 50
      const count = delays.filter((delay) => delay >= low && delay < low + 50).length
      expect(count).toBeGreaterThan(120)
    }
  })

  test("custom options", () => {
    const options = resolveBackoff({ baseMs: 100, capMs: 1000, jitter: 0 })
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, Math.random))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ])
  })
})

describe("resolveBackoff", () => {
  test("fills in the contract's defaults", () => {
    expect(resolveBackoff()).toEqual({ baseMs: 500, capMs: 30_000, jitter: 0.25 })
    expect(resolveBackoff({ jitter: 0 })).toEqual({ baseMs: 500, capMs: 30_000, jitter: 0 })
  })

  test("rejects values that would make a retry storm or never retry, naming the option", () => {
    expect(() => resolveBackoff({ baseMs: -1 })).toThrow("backoff.baseMs")
    expect(() => resolveBackoff({ baseMs: Number.NaN })).toThrow("backoff.baseMs")
    expect(() => resolveBackoff({ capMs: Number.POSITIVE_INFINITY })).toThrow("backoff.capMs")
    expect(() => resolveBackoff({ baseMs: 1000, capMs: 10 })).toThrow("must be ≥ backoff.baseMs")
    expect(() => resolveBackoff({ jitter: 1.5 })).toThrow("backoff.jitter")
  })
})
