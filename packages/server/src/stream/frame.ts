/**
 * A pure SSE encoder for the event stream's wire format: each event is one frame with no `event:`
 * field (so `EventSource.onmessage` sees all), a single `data:` line holding the envelope JSON, and an
 * `id:` line first for durable events.
 *
 * The envelope JSON is assembled from the properties JSON made once at publish, so an event's
 * properties are never serialised again (not per connection, not on replay).
 *
 * @module
 */
import { type BuiltinEventMap, type BuiltinEventType, EPHEMERAL_ID } from "@tether/core"

const encoder = new TextEncoder()

/**
 * The envelope `{"id","type","properties","time"}` as JSON text, with `propertiesJson` spliced in.
 *
 * @example
 * ```ts
 * import { envelopeJson } from "./frame.ts"
 * envelopeJson("0000000000000001", "demo", '{"n":1}', 0) // '{"id":"0000000000000001","type":"demo","properties":{"n":1},"time":0}'
 * ```
 */
export const envelopeJson = (id: string, type: string, propertiesJson: string, time: number): string =>
  `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"properties":${propertiesJson},"time":${time}}`

/**
 * One SSE frame as text. `json` must be one line (JSON text always is: `JSON.stringify` escapes CR
 * and LF inside strings). A durable `id` is written as an `id:` line; an id holding CR, LF or NUL
 * would break the frame or be ignored by clients, so it is refused rather than sent.
 *
 * @example
 * ```ts
 * import { frameText } from "./frame.ts"
 * frameText('{"a":1}', "0000000000000001") // 'id: 0000000000000001\ndata: {"a":1}\n\n'
 * ```
 */
export const frameText = (json: string, id: string = EPHEMERAL_ID): string => {
  if (id === EPHEMERAL_ID) return `data: ${json}\n\n`
  if (/[\r\n\0]/.test(id)) throw new TypeError(`An SSE id cannot hold CR, LF or NUL: ${JSON.stringify(id)}`)
  return `id: ${id}\ndata: ${json}\n\n`
}

/** UTF-8 bytes of a text frame. */
export const encodeFrame = (text: string): Uint8Array => encoder.encode(text)

/** The durable event frame for a stored event, as bytes. */
export const durableFrame = (id: string, type: string, propertiesJson: string, time: number): Uint8Array =>
  encodeFrame(frameText(envelopeJson(id, type, propertiesJson, time), id))

/** An ephemeral (no `id:`) event frame of a built-in type, as bytes; its properties are checked against the wire types. */
export const ephemeralFrame = <Type extends BuiltinEventType>(
  type: Type,
  properties: BuiltinEventMap[Type],
  time: number,
): Uint8Array => encodeFrame(frameText(envelopeJson(EPHEMERAL_ID, type, JSON.stringify(properties), time)))

/**
 * The `retry:` field: the reconnect delay a native `EventSource` should use.
 *
 * @example
 * ```ts
 * import { retryFrame } from "./frame.ts"
 * new TextDecoder().decode(retryFrame(500)) // "retry: 500\n\n"
 * ```
 */
export const retryFrame = (ms: number): Uint8Array => encodeFrame(`retry: ${Math.max(0, Math.trunc(ms))}\n\n`)
