/**
 * Checks a publish and serialises its properties, once. Whatever passes here is valid JSON text of
 * bounded size, so nothing that fails to serialise can ever reach the stream code.
 *
 * @module
 */
import { EventInvalid } from "./errors.ts"

/** The largest `properties` JSON accepted by default (it is also capped by the slow-client bound). */
export const MAX_EVENT_BYTES = 256 * 1024

/** Types the server emits itself; a publisher may not forge them. */
const RESERVED_PREFIX = "server."
const MAX_TYPE_LENGTH = 200
const ALLOWED_KEYS = new Set(["type", "properties"])

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
 * Validates `{type, properties?}` and serialises `properties` to JSON. Throws `EventInvalid`.
 *
 * @example
 * ```ts
 * import { prepareEvent } from "./publish-input.ts"
 * prepareEvent({ type: "build.done", properties: { ok: true } }, 1024) // { type: "build.done", properties: '{"ok":true}' }
 * ```
 */
export const prepareEvent = (input: unknown, maxBytes: number): PreparedEvent => {
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
  if (type.startsWith(RESERVED_PREFIX)) {
    throw invalid(
      `type: "${RESERVED_PREFIX}*" types are reserved for the server's own events, got "${type}"`,
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
  const bytes = Buffer.byteLength(json, "utf8")
  if (bytes > maxBytes) {
    throw invalid(`properties are ${bytes} bytes of JSON, over the limit of ${maxBytes} bytes`, "properties")
  }
  return { type, properties: json }
}

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
