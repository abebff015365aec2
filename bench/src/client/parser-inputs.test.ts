import { describe, expect, test } from "bun:test"
import { parserInputs, randomChunks, seededRandom } from "./parser-inputs.ts"

describe("seededRandom", () => {
  test("is deterministic and in [0, 1)", () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    for (let i = 0; i < 1000; i++) {
      const x = a()
      expect(x).toBe(b())
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
    }
  })
})

describe("randomChunks", () => {
  test("chunks join back to the text and respect the bound", () => {
    const text = "data: hello\n\n".repeat(100)
    const chunks = randomChunks(text, 7, seededRandom(3))
    expect(chunks.join("")).toBe(text)
    expect(chunks.every((c) => c.length >= 1 && c.length <= 7)).toBe(true)
  })
})

describe("parserInputs", () => {
  test("counts match the generated frames (small scale)", () => {
    for (const input of parserInputs(0.01)) {
      const text = input.chunks.join("")
      expect(text.length).toBe(input.chars)
      expect(text.split("\n\n").length - 1).toBe(input.events)
      expect(input.bytes).toBeGreaterThanOrEqual(input.chars)
    }
  })
})
