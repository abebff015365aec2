import { describe, expect, test } from "bun:test"
import { firstInvalidUtf8Byte } from "./utf8.ts"

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const decodes = (bytes: Uint8Array): boolean => {
  try {
    fatal.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Agrees with the platform's strict decoder: valid bytes run to the end, else the prefix decodes and the rest does not. */
const agrees = (bytes: Uint8Array): boolean => {
  const at = firstInvalidUtf8Byte(bytes)
  if (at === bytes.length) return decodes(bytes)
  return decodes(bytes.subarray(0, at)) && !decodes(bytes)
}

describe("firstInvalidUtf8Byte", () => {
  test("valid text runs to the end", () => {
    for (const text of [
      "",
      "{}",
      "café",
      "✓ €",
      "𝄞 😀",
      "\u{10FFFF}",
      "\uFEFF{}",
      "\u0080\u07FF\u0800\uFFFF\u{10000}",
    ]) {
      const bytes = Buffer.from(text)
      expect(firstInvalidUtf8Byte(bytes)).toBe(bytes.length)
    }
  })

  test("every lead byte with every second byte and a few endings agrees with TextDecoder's fatal mode", () => {
    const tails = [[], [0x41], [0x80], [0xbf], [0x80, 0x80], [0xbf, 0xbf], [0x80, 0x41], [0xc0, 0x80]]
    for (let lead = 0x80; lead <= 0xff; lead++) {
      for (let second = 0; second <= 0xff; second++) {
        for (const tail of tails) {
          const bytes = new Uint8Array([0x20, lead, second, ...tail])
          if (!agrees(bytes)) throw new Error(`disagrees on ${Buffer.from(bytes).toString("hex")}`)
        }
      }
    }
    // 260 000 comparisons: about 1 s alone, several times that beside the other packages' suites on 2 cores.
  }, 60_000)

  test("random byte strings leaning to the high range agree with TextDecoder's fatal mode", () => {
    // A fixed-seed generator: a failure reproduces.
    let seed = 0x2f6b_1d3a
    const next = (): number => {
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return seed >>> 0
    }
    const pool = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0,
      0xf4, 0xf5, 0xff,
    ]
    for (let round = 0; round < 20_000; round++) {
      const length = 1 + (next() % 12)
      const bytes = new Uint8Array(length)
      for (let i = 0; i < length; i++)
        bytes[i] = next() % 3 === 0 ? next() % 256 : (pool[next() % pool.length] ?? 0)
      if (!agrees(bytes)) throw new Error(`disagrees on ${Buffer.from(bytes).toString("hex")}`)
    }
  }, 30_000)

  test("a broken sequence is placed at its lead byte, a byte that starts nothing at itself", () => {
    expect(firstInvalidUtf8Byte(new Uint8Array([0x41, 0xef, 0xbf, 0x41]))).toBe(1)
    expect(firstInvalidUtf8Byte(new Uint8Array([0x41, 0xf0, 0x9f, 0x98]))).toBe(1)
    expect(firstInvalidUtf8Byte(new Uint8Array([0xc3, 0xa9, 0x80]))).toBe(2)
    expect(firstInvalidUtf8Byte(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0)
    expect(firstInvalidUtf8Byte(new Uint8Array([0xe0, 0x9f, 0xbf]))).toBe(0)
  })
})
