import { expect, test } from "bun:test"
import { boundedJson, formatDuration, previewJson, secondsUntil } from "./format.ts"

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
  expect(previewJson(cyclic)).toBe('{"self":"[cycle]"}')
})

test("boundedJson writes what JSON.stringify writes, for every value it can", () => {
  const samples: unknown[] = [
    {
      id: "1",
      type: "t",
      properties: { s: 'é\n"', n: 1.5, b: false, z: null, list: [1, [], {}, [2, { x: [] }]] },
    },
    [undefined, () => 1, "x"],
    { skip: undefined, f: () => 1, at: new Date(0) },
    "text",
    42,
  ]
  for (const sample of samples) {
    expect(boundedJson(sample).text).toBe(JSON.stringify(sample, null, 2))
    expect(boundedJson(sample, { indent: 0 }).text).toBe(JSON.stringify(sample))
    expect(boundedJson(sample).elided).toBe(false)
  }
})

test("boundedJson shows a value nested far past the stack's reach, eliding below the limit", () => {
  let deep: unknown = "bottom"
  for (let i = 0; i < 100_000; i++) deep = { a: [deep] }
  const { text, elided } = boundedJson(deep)
  expect(elided).toBe(true)
  expect(text.startsWith('{\n  "a": [\n    {\n      "a": [')).toBe(true)
  expect(text).toContain("{…}")
  expect(text).not.toContain("bottom")
  expect(boundedJson({ a: { b: { c: 1 } } }, { maxDepth: 2 }).text).toBe('{\n  "a": {\n    "b": {…}\n  }\n}')
  const cyclic: Record<string, unknown> = { n: 1 }
  cyclic.self = cyclic
  expect(boundedJson(cyclic, { indent: 0 })).toEqual({ text: '{"n":1,"self":"[cycle]"}', elided: true })
  expect(previewJson(deep, 30)).toBe('{"a":[{"a":[{"a":[{"a":[{"a":…')
})

test("previewJson writes only about what it shows, however large the value", () => {
  const large = { items: Array.from({ length: 100_000 }, (_, n) => ({ n })) }
  const started = performance.now()
  for (let i = 0; i < 100; i++) previewJson(large, 40)
  expect(previewJson(large, 40)).toBe(`${JSON.stringify(large).slice(0, 39)}…`)
  // 100 previews of a 1.2 MB value: a full write each would take far longer than this.
  expect(performance.now() - started).toBeLessThan(2000)
})
