/**
 * JSONC to a plain value, for config files: comments and trailing commas allowed, a syntax error
 * or a duplicate key reported with its 1-based line and column.
 *
 * @module
 */
import {
  createScanner,
  getNodeValue,
  type Node,
  type ParseError,
  parseTree,
  printParseErrorCode,
  stripComments,
} from "jsonc-parser"
import type { ConfigIssue } from "../wire/config.ts"
import { ConfigInvalid } from "./errors.ts"

/**
 * The jsonc-parser options every config parse uses: JSONC as editors write it (comments and trailing
 * commas allowed, empty content refused).
 *
 * @example
 * ```ts
 * import { parse } from "jsonc-parser"
 * import { JSONC_OPTIONS } from "@tether/core"
 * parse('{ "a": 1, } // ok', [], JSONC_OPTIONS)
 * ```
 */
export const JSONC_OPTIONS = {
  allowTrailingComma: true,
  disallowComments: false,
  allowEmptyContent: false,
} as const

const EXPECTED: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "invalid number",
  PropertyNameExpected: "expected a property name in double quotes",
  ValueExpected: "expected a value",
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' between items",
  CloseBraceExpected: "expected '}' to close the object",
  CloseBracketExpected: "expected ']' to close the array",
  EndOfFileExpected: "expected the end of the file after the top-level value",
  InvalidCommentToken: "invalid comment",
  UnexpectedEndOfComment: "unterminated block comment, expected '*/'",
  UnexpectedEndOfString: "unterminated string, expected a closing '\"'",
  UnexpectedEndOfNumber: "incomplete number",
  InvalidUnicode: "invalid \\u escape in a string",
  InvalidEscapeCharacter: "invalid escape sequence in a string",
  InvalidCharacter: "invalid character in a string (control characters must be escaped)",
}

/** 1-based line and column of a UTF-16 offset; CRLF, LF and lone CR all end a line. */
export const positionAt = (text: string, offset: number): { line: number; column: number } => {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 10 || (ch === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

const LITERALS: readonly string[] = ["true", "false", "null"]

const hintFor = (token: string): string => {
  // A correct literal in the wrong place: the expected part of the message says what is wrong.
  if (LITERALS.includes(token)) return ""
  if (token.startsWith("'")) return " (JSON strings and keys take double quotes)"
  if (/^-?(?:NaN|Infinity)$/.test(token)) return " (JSON has no NaN or Infinity: write a number)"
  if (LITERALS.includes(token.toLowerCase())) return " (true, false and null are lowercase in JSON)"
  if (/^[xX][0-9a-fA-F]+$/.test(token)) return " (JSON numbers are decimal)"
  if (/^[A-Za-z_$]/.test(token)) return " (JSON strings and keys take double quotes)"
  return ""
}

const found = (text: string, offset: number, length: number): string => {
  if (offset >= text.length) return "found the end of the file"
  const raw = text.slice(offset, offset + Math.max(length, 1)).split(/\r?\n|\r/)[0] ?? ""
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we hide
  const token = raw.replace(/[\u0000-\u001f]/g, "?")
  return `found '${token.length > 24 ? `${token.slice(0, 23)}…` : token}'${hintFor(token)}`
}

const STRING_ERRORS = new Set(["InvalidEscapeCharacter", "InvalidUnicode", "InvalidCharacter"])

/**
 * jsonc-parser places an error inside a string at the string's opening quote; this finds the
 * offending character itself (the first bad escape or raw control character) and its extent.
 */
const withinString = (text: string, error: ParseError, code: string): { offset: number; length: number } => {
  const whole = { offset: error.offset, length: error.length }
  if (!STRING_ERRORS.has(code) || text[error.offset] !== '"') return whole
  const end = error.offset + Math.max(error.length, 1)
  for (let i = error.offset + 1; i < end; i++) {
    const ch = text.charCodeAt(i)
    if (ch < 0x20) {
      if (code === "InvalidCharacter") return { offset: i, length: 1 }
      continue
    }
    if (text[i] !== "\\") continue
    const next = text[i + 1] ?? ""
    if (next === "u") {
      const digits = text.slice(i + 2, i + 6)
      if (!/^[0-9a-fA-F]{4}$/.test(digits)) {
        if (code === "InvalidUnicode") return { offset: i, length: 2 + digits.replace(/["\\].*$/, "").length }
      }
      i += 1
    } else if (!'"\\/bfnrt'.includes(next) || next === "") {
      if (code === "InvalidEscapeCharacter") return { offset: i, length: 2 }
      i += 1
    } else {
      i += 1
    }
  }
  return whole
}

const syntaxIssue = (text: string, error: ParseError): ConfigIssue => {
  const code = printParseErrorCode(error.error)
  const at = withinString(text, error, code)
  const { line, column } = positionAt(text, at.offset)
  const expected = EXPECTED[code] ?? code
  return {
    path: "",
    message: `line ${line}, column ${column}: ${expected}, ${found(text, at.offset, at.length)}`,
  }
}

// The parser recovers and reports follow-on errors; past the first few they are noise.
const MAX_SYNTAX_ISSUES = 3

const duplicateKeys = (text: string, root: Node): ConfigIssue[] => {
  const issues: ConfigIssue[] = []
  const visit = (node: Node, path: readonly (string | number)[]): void => {
    if (node.type === "object") {
      const seen = new Map<string, number>()
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? []
        if (keyNode === undefined) continue
        const key = String(keyNode.value)
        const first = seen.get(key)
        if (first === undefined) seen.set(key, keyNode.offset)
        else {
          const here = positionAt(text, keyNode.offset)
          const there = positionAt(text, first)
          issues.push({
            path: [...path, key].join("."),
            message: `duplicate key at line ${here.line}, column ${here.column} (first at line ${there.line}, column ${there.column}); keep only one`,
          })
        }
        if (valueNode !== undefined) visit(valueNode, [...path, key])
      }
    } else if (node.type === "array") {
      node.children?.forEach((child, index) => {
        visit(child, [...path, index])
      })
    }
  }
  visit(root, [])
  return issues
}

// jsonc-parser's tree builder recurses once per level: a few thousand brackets overflow the stack.
// A config nests 3 levels; anything past this is refused before the tree is built.
const MAX_NESTING = 64

const tooDeep = (text: string): ConfigIssue | undefined => {
  const scanner = createScanner(text, true)
  let depth = 0
  while (scanner.getPosition() < text.length) {
    scanner.scan()
    // A one-character token starting with a bracket is that bracket (strings and comments are longer).
    // Compared by character: jsonc-parser's SyntaxKind is a const enum, out of reach under verbatimModuleSyntax.
    if (scanner.getTokenLength() !== 1) continue
    const bracket = text[scanner.getTokenOffset()]
    if (bracket === "{" || bracket === "[") {
      depth++
      if (depth > MAX_NESTING) {
        const { line, column } = positionAt(text, scanner.getTokenOffset())
        return {
          path: "",
          message: `line ${line}, column ${column}: nested more than ${MAX_NESTING} levels deep; a Tether config nests 3, found '${bracket}'`,
        }
      }
    } else if (bracket === "}" || bracket === "]") {
      depth = Math.max(0, depth - 1)
    }
  }
  return undefined
}

/**
 * Parses JSONC text into a plain value. Throws `ConfigInvalid` (naming `file`) on a syntax error,
 * with line and column, or on a key written twice in one object (JSON parsers keep the last one
 * silently, which hides edits), or on nesting deeper than 64 levels. A leading byte order mark is ignored.
 *
 * @example
 * ```ts
 * import { parseJsonc } from "@tether/core"
 * parseJsonc('{ "server": { "port": 8080, }, // trailing comma and comment\n}', null)
 * ```
 */
export const parseJsonc = (text: string, file: string | null): unknown => {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const deep = tooDeep(source)
  if (deep !== undefined) throw new ConfigInvalid(file, [deep])
  const errors: ParseError[] = []
  const tree = parseTree(source, errors, JSONC_OPTIONS)
  if (stripComments(source).trim() === "") {
    throw new ConfigInvalid(file, [
      {
        path: "",
        message: "the file is empty (only whitespace or comments): expected a JSON object such as {}",
      },
    ])
  }
  if (errors.length > 0 || tree === undefined) {
    // One issue per position: the parser often reports the same spot twice while recovering.
    const first = errors.filter((error, i) => errors[i - 1]?.offset !== error.offset)
    const issues = first.slice(0, MAX_SYNTAX_ISSUES).map((error) => syntaxIssue(source, error))
    throw new ConfigInvalid(
      file,
      issues.length > 0 ? issues : [{ path: "", message: "expected a JSON object" }],
    )
  }
  const duplicates = duplicateKeys(source, tree)
  if (duplicates.length > 0) throw new ConfigInvalid(file, duplicates)
  return getNodeValue(tree)
}
