import { describe, expect, test } from "bun:test"
import { median, percentileOfSorted, SampleBuffer, summarize } from "./percentiles.ts"

describe("percentileOfSorted", () => {
  test("nearest rank over 1..100", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentileOfSorted(sorted, 50)).toBe(50)
    expect(percentileOfSorted(sorted, 99)).toBe(99)
    expect(percentileOfSorted(sorted, 100)).toBe(100)
    expect(percentileOfSorted(sorted, 0)).toBe(1)
  })

  test("a single sample is every percentile", () => {
    expect(percentileOfSorted([7], 1)).toBe(7)
    expect(percentileOfSorted([7], 99)).toBe(7)
  })

  test("no samples gives null", () => {
    expect(percentileOfSorted([], 50)).toBeNull()
  })

  test("p99 of 10 samples is the largest", () => {
    expect(percentileOfSorted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10)
  })
})

describe("summarize", () => {
  test("sorts numerically, not as strings", () => {
    const s = summarize(Float64Array.of(10, 9, 100, 2))
    expect(s).toEqual({ count: 4, p50: 9, p99: 100, max: 100 })
  })

  test("empty", () => {
    expect(summarize(new Float64Array(0))).toEqual({ count: 0, p50: null, p99: null, max: null })
  })
})

describe("median", () => {
  test("odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNull()
  })
})

describe("SampleBuffer", () => {
  test("keeps every sample across block boundaries, in order", () => {
    const buffer = new SampleBuffer(4)
    for (let i = 0; i < 11; i++) buffer.push(i * 1.5)
    expect(buffer.length).toBe(11)
    expect([...buffer.toArray()]).toEqual(Array.from({ length: 11 }, (_, i) => i * 1.5))
  })

  test("an exactly full block and an empty buffer", () => {
    const full = new SampleBuffer(2)
    full.push(1)
    full.push(2)
    expect([...full.toArray()]).toEqual([1, 2])
    expect(new SampleBuffer(2).toArray().length).toBe(0)
  })
})
