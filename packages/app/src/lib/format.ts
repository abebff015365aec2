/**
 * Small, pure formatters shared by the panels.
 *
 * @module
 */
import { MAX_PROPERTIES_DEPTH } from "@tether/core/wire"

/** `1234` → `"1.2 s"`, `65_000` → `"1 min 5 s"`, `400` → `"400 ms"`. Negative values count as 0. */
export const formatDuration = (ms: number): string => {
  const value = Math.max(0, ms)
  if (value < 1000) return `${Math.round(value)} ms`
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`
  if (value < 60_000) return `${Math.floor(value / 1000)} s`
  const minutes = Math.floor(value / 60_000)
  const seconds = Math.floor((value % 60_000) / 1000)
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** Whole seconds left until `at`, rounded up so the countdown never shows 0 before it is due. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000))

/** `HH:MM:SS.mmm` in local time: enough to order events at a glance. */
export const formatClock = (ms: number): string => {
  const d = new Date(ms)
  const pad = (n: number, width = 2) => String(n).padStart(width, "0")
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/**
 * Properties as one compact line of JSON, cut at `max` characters. Only about `max` characters are
 * written, however large or deep the value (see {@link boundedJson}).
 */
export const previewJson = (value: unknown, max = 160): string => {
  const { text } = boundedJson(value, { indent: 0, maxChars: max })
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The nesting {@link boundedJson} shows by default: the server refuses deeper properties at publish. */
export const MAX_SHOWN_DEPTH = MAX_PROPERTIES_DEPTH

/** Limits of {@link boundedJson}. */
export interface BoundedJsonOptions {
  /** Spaces per level, as `JSON.stringify`'s third argument; 0 writes one line. Default 2. */
  readonly indent?: number
  /** Objects and arrays deeper than this are shown as `{…}` / `[…]`. Default {@link MAX_SHOWN_DEPTH}. */
  readonly maxDepth?: number
  /** Stop writing once the text is longer than this (it may end mid-value). Default: no limit. */
  readonly maxChars?: number
}

// Marks a value JSON leaves out (undefined, a function, a symbol).
const SKIP = Symbol("skip")

const jsonValue = (value: unknown): unknown => {
  let current = value
  if (current !== null && typeof current === "object" && "toJSON" in current) {
    const { toJSON } = current as { toJSON: unknown }
    if (typeof toJSON === "function") current = toJSON.call(current)
  }
  const kind = typeof current
  return kind === "undefined" || kind === "function" || kind === "symbol" ? SKIP : current
}

/**
 * JSON text like `JSON.stringify(value, null, indent)`, except that objects and arrays nested deeper
 * than `maxDepth` are shown as `{…}` / `[…]` (a cycle as `"[cycle]"`), with `elided` saying whether
 * anything was, and that writing stops past `maxChars`. Why: `JSON.stringify` recurses once per level
 * and throws a stack overflow on a value a few thousand levels deep (Chromium: about 10 000; Bun's
 * pretty printer first spends seconds on quadratic indentation), which would take the whole view down
 * with it. Recursion here stops at `maxDepth`.
 *
 * @example
 * ```ts
 * import { boundedJson } from "./format.ts"
 * boundedJson({ a: { b: { c: 1 } } }, { maxDepth: 2 }) // { text: '{\n  "a": {\n    "b": {…}\n  }\n}', elided: true }
 * ```
 */
export const boundedJson = (
  value: unknown,
  options: BoundedJsonOptions = {},
): { readonly text: string; readonly elided: boolean } => {
  const indent = options.indent ?? 2
  const maxDepth = options.maxDepth ?? MAX_SHOWN_DEPTH
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY
  const colon = indent === 0 ? ":" : ": "
  const open = new Set<object>()
  let text = ""
  let elided = false
  // Each write returns whether to go on (false once the text is past maxChars).
  const write = (current: unknown, depth: number, pad: string): boolean => {
    if (current === null || typeof current !== "object") {
      text += typeof current === "bigint" ? String(current) : JSON.stringify(current)
      return text.length <= maxChars
    }
    const isArray = Array.isArray(current)
    const [first, last] = isArray ? ["[", "]"] : ["{", "}"]
    // Read lazily, entry by entry: a preview of a huge value stops after its first few.
    const keys = isArray ? null : Object.keys(current)
    const count = keys === null ? (current as unknown[]).length : keys.length
    if (count > 0 && (depth >= maxDepth || open.has(current))) {
      elided = true
      text += open.has(current) ? '"[cycle]"' : `${first}…${last}`
      return text.length <= maxChars
    }
    open.add(current)
    const inner = indent === 0 ? "" : `${pad}${" ".repeat(indent)}`
    const newline = indent === 0 ? "" : "\n"
    let written = 0
    let going = true
    for (let index = 0; index < count && going; index++) {
      const key = keys === null ? null : (keys[index] as string)
      const item = jsonValue(
        key === null ? (current as unknown[])[index] : (current as Record<string, unknown>)[key],
      )
      // As JSON.stringify: undefined, functions and symbols are left out of objects, null in arrays.
      if (item === SKIP && key !== null) continue
      text += `${written === 0 ? first : ","}${newline}${inner}${key === null ? "" : `${JSON.stringify(key)}${colon}`}`
      written++
      going = write(item === SKIP ? null : item, depth + 1, inner)
    }
    open.delete(current)
    if (!going) return false
    text += written === 0 ? `${first}${last}` : `${newline}${pad}${last}`
    return text.length <= maxChars
  }
  const top = jsonValue(value)
  if (top === SKIP) return { text: "undefined", elided: false }
  write(top, 0, "")
  return { text, elided }
}
