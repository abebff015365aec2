import { describe, expect, test } from "bun:test"
import { ConfigInvalid } from "./errors.ts"
import { parseJsonc, positionAt } from "./jsonc.ts"

const FILE = "/p/tether.jsonc"

const issuesOf = (text: string): readonly { path: string; message: string }[] => {
  try {
    parseJsonc(text, FILE)
  } catch (error) {
    if (error instanceof ConfigInvalid) {
      expect(error.file).toBe(FILE)
      return error.issues
    }
    throw error
  }
  throw new Error("expected ConfigInvalid, nothing was thrown")
}

describe("parseJsonc", () => {
  test("accepts line and block comments and trailing commas", () => {
    const text = '/* head */\n{\n  "a": [1, 2,], // tail\n  "b": { "c": true, },\n}\n'
    expect(parseJsonc(text, FILE)).toEqual({ a: [1, 2], b: { c: true } })
  })

  test("ignores a byte order mark", () => {
    expect(parseJsonc('\uFEFF{ "a": 1 }', FILE)).toEqual({ a: 1 })
  })

  test("a missing comma: 1-based line and column of the token, and what was expected", () => {
    const text = '{\n  "server": {\n    "port": 1 "hostname": "x"\n  }\n}'
    expect(issuesOf(text)[0]).toEqual({
      path: "",
      message: `line 3, column 15: expected ',' between items, found '"hostname"'`,
    })
  })

  test("an unclosed object points at the end of the file", () => {
    expect(issuesOf('{\n  "server": { "port": 1\n')[0]?.message).toBe(
      "line 3, column 1: expected '}' to close the object, found the end of the file",
    )
  })

  test("single quotes get a hint", () => {
    expect(issuesOf("{'a': 1}")[0]?.message).toBe(
      "line 1, column 2: unexpected character, found ''a'' (JSON strings and keys take double quotes)",
    )
  })

  test("a bad escape or control character is placed at that character, not at the string's start", () => {
    expect(issuesOf('{\n  "server": { "hostname": "ab\\qc" }\n}')[0]?.message).toBe(
      "line 2, column 30: invalid escape sequence in a string, found '\\q'",
    )
    expect(issuesOf('{\n  "server": { "hostname": "a\\u12x" }\n}')[0]?.message).toBe(
      "line 2, column 29: invalid \\u escape in a string, found '\\u12x'",
    )
    expect(issuesOf('{\n  "server": { "hostname": "a\tb" }\n}')[0]?.message).toBe(
      "line 2, column 29: invalid character in a string (control characters must be escaped), found '?'",
    )
  })

  test("an unquoted word gets the double-quote hint; NaN and Infinity are named as not JSON", () => {
    expect(issuesOf("{\n  server: {}\n}")[0]?.message).toBe(
      "line 2, column 3: unexpected character, found 'server' (JSON strings and keys take double quotes)",
    )
    expect(issuesOf('{ "server": { "port": NaN } }')[0]?.message).toBe(
      "line 1, column 23: unexpected character, found 'NaN' (JSON has no NaN or Infinity: write a number)",
    )
    expect(issuesOf('{ "a": True }')[0]?.message).toBe(
      "line 1, column 8: unexpected character, found 'True' (true, false and null are lowercase in JSON)",
    )
    expect(issuesOf('{ "a": 0x10 }')[0]?.message).toBe(
      "line 1, column 9: unexpected character, found 'x10' (JSON numbers are decimal)",
    )
  })

  test("a correctly written true, false or null gets no case hint: the message says what is missing", () => {
    expect(issuesOf('{"a": 1 true}')[0]?.message).toBe(
      "line 1, column 9: expected ',' between items, found 'true'",
    )
    expect(issuesOf('{"a": 1 null}')[0]?.message).toBe(
      "line 1, column 9: expected ',' between items, found 'null'",
    )
    expect(issuesOf("[true false]")[0]?.message).toBe(
      "line 1, column 7: expected ',' between items, found 'false'",
    )
    expect(issuesOf('{"a" null}')[0]?.message).toBe(
      "line 1, column 6: expected ':' after the property name, found 'null'",
    )
    expect(issuesOf("{} true")[0]?.message).toBe(
      "line 1, column 4: expected the end of the file after the top-level value, found 'true'",
    )
    // The case hint stays for a literal whose case is wrong.
    expect(issuesOf('{"a": NULL}')[0]?.message).toBe(
      "line 1, column 7: unexpected character, found 'NULL' (true, false and null are lowercase in JSON)",
    )
    expect(issuesOf('{"a": fAlse}')[0]?.message).toBe(
      "line 1, column 7: unexpected character, found 'fAlse' (true, false and null are lowercase in JSON)",
    )
  })

  test("CRLF line endings count as one line break", () => {
    expect(issuesOf('{\r\n  "a": 1,\r\n  "b" 2\r\n}')[0]?.message).toBe(
      "line 3, column 7: expected ':' after the property name, found '2'",
    )
  })

  test("an empty or comment-only file is refused with a hint", () => {
    for (const text of ["", "   \n", "// nothing here\n/* at all */"]) {
      expect(issuesOf(text)).toEqual([
        {
          path: "",
          message: "the file is empty (only whitespace or comments): expected a JSON object such as {}",
        },
      ])
    }
  })

  test("a duplicate key is refused with both positions", () => {
    const text = '{\n  "server": { "port": 1, "port": 2 }\n}'
    expect(issuesOf(text)).toEqual([
      {
        path: "server.port",
        message: "duplicate key at line 2, column 26 (first at line 2, column 15); keep only one",
      },
    ])
  })

  test("nesting far deeper than any config is refused at the bracket, not a stack overflow", () => {
    const depth = 200_000
    const text = `{\n  "x": ${"[".repeat(depth)}${"]".repeat(depth)}\n}`
    expect(issuesOf(text)).toEqual([
      {
        path: "",
        message: "line 2, column 71: nested more than 64 levels deep; a Tether config nests 3, found '['",
      },
    ])
    // 64 levels still parse; validation then names the unknown key as usual.
    expect(parseJsonc(`{"x":${"[".repeat(63)}${"]".repeat(63)}}`, null)).toBeDefined()
  })

  test("reports at most three syntax errors, one per position", () => {
    const issues = issuesOf('{"a" 1, "b" 2, "c" 3, "d" 4, "e" 5}')
    expect(issues.length).toBe(3)
    expect(new Set(issues.map((i) => i.message)).size).toBe(3)
  })
})

describe("positionAt", () => {
  test("counts LF, CRLF and lone CR as line ends", () => {
    expect(positionAt("ab\ncd", 4)).toEqual({ line: 2, column: 2 })
    expect(positionAt("ab\r\ncd", 5)).toEqual({ line: 2, column: 2 })
    expect(positionAt("ab\rcd", 3)).toEqual({ line: 2, column: 1 })
    expect(positionAt("abc", 0)).toEqual({ line: 1, column: 1 })
  })
})
