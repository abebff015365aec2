import { expect, test } from "bun:test"
import { formatDuration, previewJson, secondsUntil } from "./format.ts"

test("formatDuration picks a readable unit", () => {
  expect(formatDuration(-5)).toBe("0 ms")
  expect(formatDuration(400)).toBe("400 ms")
  expect(formatDuration(1000)).toBe("1.0 s")
  expect(formatDuration(1290)).toBe("1.2 s")
  expect(formatDuration(12_500)).toBe("12 s")
  expect(formatDuration(60_000)).toBe("1 min")
  expect(formatDuration(65_000)).toBe("1 min 5 s")
})

test("secondsUntil rounds up and never goes negative", () => {
  expect(secondsUntil(10_000, 7_001)).toBe(3)
  expect(secondsUntil(10_000, 7_000)).toBe(3)
  expect(secondsUntil(10_000, 9_999)).toBe(1)
  expect(secondsUntil(10_000, 10_000)).toBe(0)
  expect(secondsUntil(10_000, 12_000)).toBe(0)
})

test("previewJson cuts long values and survives cycles", () => {
  expect(previewJson({ a: 1 })).toBe('{"a":1}')
  expect(previewJson({ s: "x".repeat(500) }, 20)).toHaveLength(20)
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  expect(previewJson(cyclic)).toBe("[object Object]")
})
