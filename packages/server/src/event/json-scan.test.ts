import { describe, expect, test } from "bun:test"
import { findLoneSurrogate, loneSurrogateAt, scanJson } from "./json-scan.ts"

describe("scanJson", () => {
  test("counts nesting outside strings only, across escaped quotes and backslashes", () => {
    expect(scanJson("{}")).toEqual({ depth: 1, loneSurrogate: false })
    expect(scanJson(JSON.stringify({ a: [{ b: [] }] })).depth).toBe(4)
    expect(scanJson(JSON.stringify({ s: '"[[[{{{', t: "\\", u: '\\"[' }, null, 0)).depth).toBe(1)
    expect(scanJson(JSON.stringify([{ k: 'a"b' }, [["\\\\"]]])).depth).toBe(3)
  })

  test("sees a lone surrogate in a key or a value, never a valid pair or an escaped backslash", () => {
    expect(scanJson(JSON.stringify({ v: "\ud800" })).loneSurrogate).toBe(true)
    expect(scanJson(JSON.stringify({ "\udfff": 1 })).loneSurrogate).toBe(true)
    expect(scanJson(JSON.stringify({ v: "😀", w: "\\ud800", x: "\u00e9\u0001" })).loneSurrogate).toBe(false)
  })
})

describe("loneSurrogateAt / findLoneSurrogate", () => {
  test("finds the first lone half, high or low, and where it sits", () => {
    expect(loneSurrogateAt("😀a\udc00")).toBe(3)
    expect(loneSurrogateAt("a\ud83d")).toBe(1)
    expect(findLoneSurrogate({ list: [1, { "odd key": "\ud800" }] }, "properties")).toEqual({
      path: 'properties.list[1]["odd key"]',
      key: false,
      text: "\ud800",
    })
    expect(findLoneSurrogate({ ok: "😀" }, "properties")).toBeUndefined()
  })
})
