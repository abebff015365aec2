import { describe, expect, test } from "bun:test"
import { kib, markdownTable, mib, ms, num, ratio } from "./markdown.ts"

describe("markdownTable", () => {
  test("header, alignment row and escaped cells", () => {
    expect(
      markdownTable(
        ["server", "p99 ms"],
        [
          ["a|b", "12"],
          ["multi\nline", "3"],
        ],
      ),
    ).toBe("| server | p99 ms |\n| --- | ---: |\n| a\\|b | 12 |\n| multi line | 3 |")
  })

  test("alignment can be chosen per column", () => {
    expect(markdownTable(["a", "b"], [], () => false)).toBe("| a | b |\n| --- | --- |")
  })
})

describe("formatting", () => {
  test("num", () => {
    expect(num(12345.678, 1)).toBe("12,345.7")
    expect(num(null)).toBe("–")
    expect(num(Number.NaN)).toBe("–")
    expect(num(0.5, 2)).toBe("0.50")
  })

  test("ms keeps a decimal only for small values", () => {
    expect(ms(12.34)).toBe("12.3")
    expect(ms(1234.5)).toBe("1,235")
    expect(ms(null)).toBe("–")
  })

  test("kib and mib", () => {
    expect(kib(4812.8)).toBe("4.7")
    expect(mib(3 * 1024 * 1024)).toBe("3.0")
  })

  test("ratio", () => {
    expect(ratio(30, 10)).toBe("×3.00")
    expect(ratio(1, 0)).toBe("–")
    expect(ratio(null, 1)).toBe("–")
  })
})
