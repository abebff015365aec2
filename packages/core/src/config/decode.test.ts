import { describe, expect, test } from "bun:test"
import { decodeConfigBytes } from "./decode.ts"
import { ConfigInvalid } from "./errors.ts"

const FILE = "/p/tether.json"

/** The one issue message `decodeConfigBytes` throws for `{\n` + `bad` + `}`. */
const faultOf = (bad: readonly number[]): string => {
  const bytes = new Uint8Array([...Buffer.from('{\n  "a": "x'), ...bad, ...Buffer.from('"\n}\n')])
  try {
    decodeConfigBytes(bytes, FILE)
  } catch (error) {
    if (!(error instanceof ConfigInvalid)) throw error
    expect(error.file).toBe(FILE)
    expect(error.issues.length).toBe(1)
    return error.issues[0]?.message ?? ""
  }
  throw new Error("expected ConfigInvalid, nothing was thrown")
}

// The bad bytes sit after `  "a": "x`, so the first one is at line 2, column 10.
const at = (byte: string): string =>
  `line 2, column 10: not valid UTF-8 (byte 0x${byte}); save the file as UTF-8`

describe("decodeConfigBytes", () => {
  test("decodes UTF-8, multi-byte characters and a byte order mark included", () => {
    const text = '{ "a": "café ✓ 𝄞" }'
    expect(decodeConfigBytes(Buffer.from(text), FILE)).toBe(text)
    expect(decodeConfigBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from("{}")]), FILE)).toEndWith("{}")
  })

  test("a broken sequence that starts like U+FFFD (EF BF) is reported at its lead byte, not at the next character", () => {
    expect(faultOf([0xef, 0xbf, 0x41])).toBe(at("ef"))
    const bytes = new Uint8Array([...Buffer.from("{\n"), 0xef, 0xbf, 0x41, ...Buffer.from("}")])
    expect(() => decodeConfigBytes(bytes, FILE)).toThrow(
      "line 2, column 1: not valid UTF-8 (byte 0xef); save the file as UTF-8",
    )
  })

  test("each kind of broken sequence is reported at the byte where it goes wrong", () => {
    const cases: [string, number[], string][] = [
      ["a lone continuation byte", [0x80], "80"],
      ["a 2-byte sequence cut short", [0xc3, 0x41], "c3"],
      ["a 3-byte sequence cut short after 1 byte", [0xe2, 0x41], "e2"],
      ["a 3-byte sequence cut short after 2 bytes", [0xe2, 0x82, 0x41], "e2"],
      ["a 4-byte sequence cut short after 3 bytes", [0xf0, 0x9f, 0x98, 0x41], "f0"],
      ["an overlong 2-byte NUL (C0 80)", [0xc0, 0x80], "c0"],
      ["an overlong 2-byte sequence (C1 BF)", [0xc1, 0xbf], "c1"],
      ["an overlong 3-byte sequence (E0 80 80)", [0xe0, 0x80, 0x80], "e0"],
      ["an overlong 4-byte sequence (F0 80 80 80)", [0xf0, 0x80, 0x80, 0x80], "f0"],
      ["a UTF-16 surrogate (ED A0 80)", [0xed, 0xa0, 0x80], "ed"],
      ["a code point past U+10FFFF (F4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], "f4"],
      ["a lead byte past U+10FFFF (F5)", [0xf5, 0x80, 0x80, 0x80], "f5"],
      ["an FF byte", [0xff], "ff"],
      ["Latin-1 é", [0xe9], "e9"],
    ]
    for (const [name, bad, byte] of cases) {
      expect({ name, message: faultOf(bad) }).toEqual({ name, message: at(byte) })
    }
    // After a complete "é" (one column), a stray continuation byte is the fault.
    expect(faultOf([0xc3, 0xa9, 0xbf])).toBe(at("bf").replace("column 10", "column 11"))
  })

  test("a sequence cut short by the end of the file is reported at its lead byte", () => {
    for (const [bad, byte] of [
      [[0xc3], "c3"],
      [[0xe2, 0x82], "e2"],
      [[0xf0, 0x9f, 0x98], "f0"],
    ] as const) {
      const bytes = new Uint8Array([...Buffer.from('{ "a": 1 }\n'), ...bad])
      expect(() => decodeConfigBytes(bytes, FILE)).toThrow(
        `line 2, column 1: not valid UTF-8 (byte 0x${byte}); save the file as UTF-8`,
      )
    }
  })

  test("the column counts the valid characters before the bad byte, after a byte order mark", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('{ "é": "'), 0xed, 0xbf, 0xbf])
    expect(() => decodeConfigBytes(bytes, FILE)).toThrow("line 1, column 9: not valid UTF-8 (byte 0xed)")
  })

  test("a UTF-16 file is named as such", () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("{}", "utf16le").swap16()])
    expect(() => decodeConfigBytes(bytes, FILE)).toThrow("the file is UTF-16")
  })
})
