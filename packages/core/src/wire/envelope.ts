/**
 * The envelope every event travels in, on the wire and in the log.
 *
 * @module
 */

/**
 * One event as the server sends it: the `data:` line of an SSE frame is exactly this object as JSON.
 *
 * - `id`: the durable id (also sent as the frame's `id:` line). Ids are opaque strings that increase
 *   in delivery order; compare them only for equality. Ephemeral events (`server.connected`,
 *   `server.heartbeat`, `server.resync`) are not logged and carry `""`.
 * - `time`: milliseconds since the epoch, when the server accepted the event.
 *
 * @example
 * ```ts
 * import type { EventEnvelope } from "@tether/core/wire"
 * const event: EventEnvelope = JSON.parse('{"id":"1","type":"build.done","properties":{"ok":true},"time":1767225600000}')
 * console.log(event.type, event.properties.ok)
 * ```
 */
export interface EventEnvelope<Type extends string = string, Properties = Record<string, unknown>> {
  readonly id: string
  readonly type: Type
  readonly properties: Properties
  readonly time: number
}

/**
 * The `id` of an envelope that is not durable (`""`): it is neither logged nor replayable. Used by
 * `server.connected`, `server.heartbeat` and `server.resync`.
 *
 * @example
 * ```ts
 * import { EPHEMERAL_ID } from "@tether/core/wire"
 * const heartbeat = { id: EPHEMERAL_ID, type: "server.heartbeat", properties: { heartbeat_ms: 10000 }, time: Date.now() }
 * ```
 */
export const EPHEMERAL_ID = ""

/**
 * Whether an envelope carries a durable, resumable id (one worth remembering as `Last-Event-ID`).
 *
 * @example
 * ```ts
 * import { isDurable } from "@tether/core/wire"
 * isDurable({ id: "" }) // false
 * isDurable({ id: "0000000000000042" }) // true
 * ```
 */
export const isDurable = (event: Pick<EventEnvelope, "id">): boolean => event.id !== EPHEMERAL_ID

/**
 * What a publisher sends: `POST /global/event` takes this body. `properties` defaults to `{}`.
 *
 * @example
 * ```ts
 * import type { PublishInput } from "@tether/core/wire"
 * const body: PublishInput = { type: "build.done", properties: { ok: true } }
 * await fetch("http://127.0.0.1:4096/global/event", { method: "POST", body: JSON.stringify(body) })
 * ```
 */
export interface PublishInput<Type extends string = string, Properties = Record<string, unknown>> {
  readonly type: Type
  readonly properties?: Properties
}

/**
 * The deepest nesting of `properties` a publish may carry (`properties` itself is level 1): the server
 * refuses deeper ones, so a client walking an event recursively never needs more.
 *
 * @example
 * ```ts
 * import { MAX_PROPERTIES_DEPTH } from "@tether/core/wire"
 * console.log(MAX_PROPERTIES_DEPTH) // 64
 * ```
 */
export const MAX_PROPERTIES_DEPTH = 64
