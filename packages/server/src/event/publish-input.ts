/**
 * Checks a publish and serialises its properties, once. Whatever passes here is valid JSON text of
 * bounded size, so nothing that fails to serialise can ever reach the stream code.
 *
 * @module
 */
import { EventType } from "@tether/core"
import { EventInvalid } from "./errors.ts"
import { findLoneSurrogate, loneSurrogateAt, MAX_NESTING, scanJson } from "./json-scan.ts"

/** The largest `properties` JSON accepted by default (it is also capped by the slow-client bound). */
export const MAX_EVENT_BYTES = 256 * 1024

/**
 * Types the server emits itself; a publisher may not forge them: every `server.*` type, and each
 * built-in type outside that prefix (`config.updated`: a forged one would show clients a config the
 * server does not have).
 */
const RESERVED_PREFIX = "server."
const RESERVED_TYPES: ReadonlySet<string> = new Set(Object.values(EventType))
const MAX_TYPE_LENGTH = 200
const ALLOWED_KEYS = new Set(["type", "properties"])

/** Who publishes: the server may publish its own built-in types (`config.updated`), nobody else may. */
export interface PrepareOptions {
  /** Allow the built-in types (default `false`). */
  readonly builtin?: boolean
}

/** A checked publish: the type and the properties' JSON text. */
export interface PreparedEvent {
  readonly type: string
  readonly properties: string
}

/**
 * The properties size limit for a given `max_buffered_bytes`: an event must fit several times in a
 * client's buffer, or every client would be dropped as slow by that one event.
 */
export const maxEventBytes = (maxBufferedBytes: number): number =>
  Math.min(MAX_EVENT_BYTES, Math.floor(maxBufferedBytes / 4))

/**
 * Validates `{type, properties?}` and serialises `properties` to JSON. Throws `EventInvalid`: for a
 * reserved type (`server.*`, `config.updated`) unless `options.builtin`, for strings (type, keys,
 * values) that are not well-formed Unicode, for nesting deeper than 64 levels, for what JSON cannot
 * carry and for properties over `maxBytes`.
 *
 * @example
 * ```ts
 * import { prepareEvent } from "./publish-input.ts"
 * prepareEvent({ type: "build.done", properties: { ok: true } }, 1024) // { type: "build.done", properties: '{"ok":true}' }
 * ```
 */
export const prepareEvent = (
  input: unknown,
  maxBytes: number,
  options: PrepareOptions = {},
): PreparedEvent => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalid(`expected an object {"type": string, "properties"?: object}, got ${describe(input)}`)
  }
  const record = input as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!ALLOWED_KEYS.has(key)) {
      throw invalid(
        `unknown key "${key}": an event is {"type", "properties"}; the server sets id and time`,
        key,
      )
    }
  }
  const type = record.type
  if (typeof type !== "string" || type.length === 0) {
    throw invalid(`type: expected a non-empty string, got ${describe(type)}`, "type")
  }
  if (type.length > MAX_TYPE_LENGTH) {
    throw invalid(`type: expected at most ${MAX_TYPE_LENGTH} characters, got ${type.length}`, "type")
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(type)) {
    throw invalid(`type: control characters are not allowed, got ${JSON.stringify(type)}`, "type")
  }
  const surrogate = loneSurrogateAt(type)
  if (surrogate !== -1) {
    throw invalid(`type: ${notWellFormed(type, surrogate)}`, "type")
  }
  if (options.builtin !== true && (type.startsWith(RESERVED_PREFIX) || RESERVED_TYPES.has(type))) {
    throw invalid(
      `type: "${type}" is reserved for the server's own events (every "${RESERVED_PREFIX}*" type and ${[
        ...RESERVED_TYPES,
      ]
        .filter((reserved) => !reserved.startsWith(RESERVED_PREFIX))
        .map((reserved) => `"${reserved}"`)
        .join(", ")}); publish under a name of your own, e.g. "myapp.${type}"`,
      "type",
    )
  }
  const properties = record.properties === undefined ? {} : record.properties
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    throw invalid(`properties: expected an object, got ${describe(properties)}`, "properties")
  }
  let json: string
  try {
    json = JSON.stringify(properties)
  } catch (error) {
    throw invalid(
      `properties cannot be serialised to JSON: ${error instanceof Error ? error.message : String(error)}`,
      "properties",
    )
  }
  // A value with a `toJSON` (a Date, a class instance) serialises to whatever that returns: the
  // envelope's `properties` must still be a JSON object.
  if (typeof json !== "string" || !json.startsWith("{")) {
    const shown = json === undefined ? "nothing" : json.length > 40 ? `${json.slice(0, 40)}…` : json
    throw invalid(
      `properties: expected an object, but its JSON is ${shown} (a Date or a toJSON() result?)`,
      "properties",
    )
  }
  const scan = scanJson(json)
  if (scan.depth > MAX_NESTING) {
    throw invalid(
      `properties: nested ${scan.depth} levels deep, over the limit of ${MAX_NESTING} levels`,
      "properties",
    )
  }
  if (scan.loneSurrogate) {
    // Rare: parse back (at most 64 levels deep now) to name the string at fault.
    const found = findLoneSurrogate(JSON.parse(json), "properties")
    if (found !== undefined) {
      const at = loneSurrogateAt(found.text)
      throw invalid(
        found.key
          ? `${found.path}: the key ${JSON.stringify(found.text)} ${notWellFormed(found.text, at)}`
          : `${found.path}: ${notWellFormed(found.text, at)}`,
        found.path,
      )
    }
  }
  const bytes = Buffer.byteLength(json, "utf8")
  if (bytes > maxBytes) {
    throw invalid(`properties are ${bytes} bytes of JSON, over the limit of ${maxBytes} bytes`, "properties")
  }
  return { type, properties: json }
}

/** Why a string with a lone surrogate at `at` is refused (the log stores UTF-8, which cannot hold one). */
const notWellFormed = (text: string, at: number): string =>
  `is not well-formed Unicode: a lone surrogate \\u${text.charCodeAt(at).toString(16)} at index ${at} (strings are stored as UTF-8, which cannot carry it)`

/** A refusal of the whole input, or (with `path`) of one field. */
const invalid = (message: string, path?: string) =>
  new EventInvalid(path === undefined ? { message } : { message, path })

const describe = (value: unknown): string => {
  if (value === undefined) return "nothing (missing)"
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  if (typeof value === "object") return "an object"
  if (typeof value === "bigint") return `the BigInt ${value}`
  return `${typeof value} ${String(value)}`
}
