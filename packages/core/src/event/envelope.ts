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
 */
export interface EventEnvelope<Type extends string = string, Properties = Record<string, unknown>> {
  readonly id: string
  readonly type: Type
  readonly properties: Properties
  readonly time: number
}

/** The `id` of an envelope that is not durable: it is neither logged nor replayable. */
export const EPHEMERAL_ID = ""

/** Whether an envelope carries a durable, resumable id. */
export const isDurable = (event: Pick<EventEnvelope, "id">): boolean => event.id !== EPHEMERAL_ID

/** What a publisher sends: `POST /global/event` takes this body. */
export interface PublishInput<Type extends string = string, Properties = Record<string, unknown>> {
  readonly type: Type
  readonly properties?: Properties
}
