/**
 * Turns zod issues into `ConfigIssue`s worded for the person editing the file: the dotted key,
 * what was expected, and the value given with its JSON type.
 *
 * @module
 */
import type { z } from "zod"
import type { ConfigIssue } from "../wire/config.ts"
import { allowedKeys, describeExpected, schemaAt } from "./expected.ts"
import { redactRedisUrl } from "./redact.ts"

type Segment = PropertyKey

/** The dotted form of a key path: `server.cors.0`. */
export const dottedPath = (path: readonly Segment[]): string => path.map(String).join(".")

const valueAt = (value: unknown, path: readonly Segment[]): unknown => {
  let current = value
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return current
}

const MAX_SHOWN = 60

/**
 * The value's JSON, cut at `MAX_SHOWN` characters. Written by hand rather than by `JSON.stringify`,
 * which would write all of it first: a value nested 100 000 levels deep overflowed the stack (a
 * `PATCH /global/config` answered 500), and a long one cost its whole length. Writing stops, and so
 * does the descent, as soon as the cut is reached.
 */
const shortJson = (value: unknown): string => {
  let text = ""
  const write = (item: unknown): void => {
    if (Array.isArray(item)) {
      text += "["
      for (let i = 0; i < item.length && text.length <= MAX_SHOWN; i++) {
        if (i > 0) text += ","
        const inner: unknown = item[i]
        write(inner === undefined || typeof inner === "function" ? null : inner)
      }
      text += "]"
    } else if (item !== null && typeof item === "object") {
      text += "{"
      let first = true
      for (const [key, inner] of Object.entries(item)) {
        if (text.length > MAX_SHOWN) break
        if (inner === undefined || typeof inner === "function") continue
        text += `${first ? "" : ","}${JSON.stringify(key)}:`
        first = false
        write(inner)
      }
      text += "}"
    } else {
      text += JSON.stringify(item) ?? String(item)
    }
  }
  write(value)
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text
}

/**
 * The value given, as the message shows it: with its JSON type (`string "1000"`, `null`,
 * `boolean true`, `array [1,2]`, `number 3`), except where the type is right and only the value is
 * wrong (`typeKnown`): `500`. A fraction always says `1000.5 (not an integer)`.
 */
export const describeValue = (value: unknown, typeKnown = false): string => {
  if (value === null) return "null"
  if (value === undefined) return "nothing"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `${value} (a number too large to represent)`
    if (!Number.isInteger(value)) return `${value} (not an integer)`
    return typeKnown ? String(value) : `number ${value}`
  }
  if (typeof value === "string") return `string ${shortJson(value)}`
  if (typeof value === "boolean") return `boolean ${value}`
  if (Array.isArray(value)) return `array ${shortJson(value)}`
  return `object ${shortJson(value)}`
}

const squash = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, "")

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
    }
    previous = row
  }
  return previous[b.length] ?? 0
}

/** The allowed key a typo most likely meant: `heartbeatMs` → `heartbeat_ms`, `hostnme` → `hostname`. */
const closestKey = (key: string, allowed: readonly string[]): string | undefined => {
  const same = allowed.find((candidate) => squash(candidate) === squash(key))
  if (same !== undefined) return same
  let best: { key: string; distance: number } | undefined
  for (const candidate of allowed) {
    const distance = editDistance(squash(key), squash(candidate))
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance }
  }
  return best?.key
}

const unknownKeyMessage = (key: string, allowed: readonly string[]): string => {
  // The dotted path cannot show an empty key, a space or a dot: "a.b" would read as two keys.
  const named = key === "" || /[.\s]/.test(key) ? ` ${JSON.stringify(key)}` : ""
  const guess = closestKey(key, allowed)
  const hint = key.includes(".")
    ? " (a key cannot hold a dot: nest the objects instead)"
    : guess === undefined
      ? ""
      : ` (did you mean "${guess}"?)`
  const list = allowed.length === 0 ? "none" : allowed.join(", ")
  return `unknown key${named}${hint}; allowed keys here: ${list}`
}

/**
 * Rewords the issues zod found in `input` against `schema`. An unknown-keys issue becomes one issue
 * per key, at that key's own path, listing the keys allowed there. Issues that read the same are
 * listed once: zod checks a huge integer twice (its safe-integer bound, then the key's range), and
 * both come out as the same "expected an integer from …" line.
 */
export const toConfigIssues = (
  schema: z.ZodType,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): ConfigIssue[] => {
  const seen = new Set<string>()
  return reword(schema, input, issues).filter((issue) => {
    const key = JSON.stringify([issue.path, issue.message])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** A Redis URL is quoted without its credentials: an error message may be logged or sent to a client. */
const shownValue = (path: readonly Segment[], value: unknown): unknown =>
  path.at(-1) === "redis_url" && typeof value === "string" ? redactRedisUrl(value) : value

const reword = (schema: z.ZodType, input: unknown, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] =>
  issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeys(schemaAt(schema, issue.path))
      return issue.keys.map((key) => ({
        path: dottedPath([...issue.path, key]),
        message: unknownKeyMessage(key, allowed),
      }))
    }
    const path = dottedPath(issue.path)
    const value = shownValue(issue.path, valueAt(input, issue.path))
    const given = describeValue(value, issue.code !== "invalid_type")
    switch (issue.code) {
      case "invalid_type":
      case "too_small":
      case "too_big":
      case "not_multiple_of":
        return [{ path, message: `expected ${describeExpected(schemaAt(schema, issue.path))}, got ${given}` }]
      case "invalid_format":
        // schema.ts words every format check as "expected …"; zod's own wording is kept as a hint.
        return issue.message.startsWith("expected ")
          ? [{ path, message: `${issue.message}, got ${given}` }]
          : [
              {
                path,
                message: `expected ${describeExpected(schemaAt(schema, issue.path))} (${issue.message}), got ${given}`,
              },
            ]
      default:
        return [{ path, message: `${issue.message}, got ${given}` }]
    }
  })
