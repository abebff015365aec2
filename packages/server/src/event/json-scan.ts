/**
 * What a publish's serialised properties may not carry past `JSON.stringify`: nesting deeper than
 * clients can walk, and strings that are not well-formed Unicode.
 *
 * Why on the JSON text: it is what gets stored and sent, after every `toJSON`, and one linear pass
 * over it costs far less than the stringify that made it. Why lone surrogates matter: the log stores
 * text as UTF-8, which cannot hold one, so SQLite would replay U+FFFD where the publisher was
 * acknowledged `\ud800`. `JSON.stringify` writes a lone surrogate as a lower-case `\udXXX` escape and
 * never escapes a valid pair, so such an escape in a string is exactly a lone surrogate.
 *
 * @module
 */

import { MAX_PROPERTIES_DEPTH } from "@tether/core"

/** The deepest nesting accepted: the wire contract's bound (the same as a config file's). */
export const MAX_NESTING = MAX_PROPERTIES_DEPTH

/** What one pass over a JSON text found. */
export interface JsonScan {
  /** The deepest nesting: `{}` is 1, `{"a":[]}` is 2. */
  readonly depth: number
  /** Whether a string (a key or a value) holds a lone surrogate. */
  readonly loneSurrogate: boolean
}

const QUOTE = 0x22
const LETTER_U = 0x75
const LETTER_D = 0x64

/**
 * Scans JSON text made by `JSON.stringify` for its nesting depth and lone surrogates.
 *
 * @example
 * ```ts
 * import { scanJson } from "./json-scan.ts"
 * scanJson(JSON.stringify({ a: [{ b: "\ud800" }] })) // { depth: 3, loneSurrogate: true }
 * ```
 */
export const scanJson = (json: string): JsonScan => {
  let depth = 0
  let deepest = 0
  let loneSurrogate = false
  // Strings are most of the text: jump through them with indexOf (native) instead of per character.
  let slash = json.indexOf("\\")
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i)
    if (code === QUOTE) {
      let end = json.indexOf('"', i + 1)
      while (slash !== -1 && slash < end) {
        if (
          json.charCodeAt(slash + 1) === LETTER_U &&
          json.charCodeAt(slash + 2) === LETTER_D &&
          isSurrogateDigit(json, slash + 3)
        )
          loneSurrogate = true
        // An escaped quote does not end the string.
        if (slash + 1 === end) end = json.indexOf('"', end + 1)
        slash = json.indexOf("\\", slash + 2)
      }
      if (end === -1) break
      i = end
    } else if (code === 0x7b || code === 0x5b) {
      depth++
      if (depth > deepest) deepest = depth
    } else if (code === 0x7d || code === 0x5d) {
      depth--
    }
  }
  return { depth: deepest, loneSurrogate }
}

// `\ud800`–`\udfff`: the third hex digit is 8–f.
const isSurrogateDigit = (text: string, at: number): boolean => {
  const code = text.charCodeAt(at)
  return (code >= 0x38 && code <= 0x39) || (code >= 0x61 && code <= 0x66)
}

/**
 * The index of the first lone surrogate in `text`, or -1 when it is well-formed Unicode.
 *
 * @example
 * ```ts
 * import { loneSurrogateAt } from "./json-scan.ts"
 * loneSurrogateAt("ok\ud800") // 2
 * loneSurrogateAt("😀") // -1
 * ```
 */
export const loneSurrogateAt = (text: string): number => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0xd800 || code > 0xdfff) continue
    const next = text.charCodeAt(i + 1)
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++
      continue
    }
    return i
  }
  return -1
}

/**
 * Where the first string that is not well-formed Unicode sits in a JSON value: the dotted path of
 * a value (`properties.user.name`, `properties.tags[2]`) or of an object whose key it is, and which
 * it is. `undefined` when every string is well-formed. Recursive: call it on values no deeper than
 * {@link MAX_NESTING}.
 *
 * @example
 * ```ts
 * import { findLoneSurrogate } from "./json-scan.ts"
 * findLoneSurrogate({ user: { name: "a\ud800" } }, "properties") // { path: "properties.user.name", key: false, text: "a\ud800" }
 * ```
 */
export const findLoneSurrogate = (
  value: unknown,
  path: string,
): { readonly path: string; readonly key: boolean; readonly text: string } | undefined => {
  if (typeof value === "string")
    return loneSurrogateAt(value) === -1 ? undefined : { path, key: false, text: value }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findLoneSurrogate(value[index], `${path}[${index}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (typeof value !== "object" || value === null) return undefined
  for (const [key, child] of Object.entries(value)) {
    if (loneSurrogateAt(key) !== -1) return { path, key: true, text: key }
    const found = findLoneSurrogate(child, `${path}${pathSegment(key)}`)
    if (found !== undefined) return found
  }
  return undefined
}

// `.name` for a plain key, `["odd key"]` otherwise (JSON.stringify escapes a lone surrogate, so the path stays well-formed).
const pathSegment = (key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
