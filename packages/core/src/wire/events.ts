/**
 * The built-in events: their `type` strings and the shape of their `properties`.
 *
 * @module
 */
import type { Config } from "./config.ts"
import type { EventEnvelope } from "./envelope.ts"

/** First event of every stream (ephemeral): what the client needs to keep the stream healthy. */
export interface ServerConnectedProperties {
  /** The heartbeat interval in force; the SDK's stale watchdog defaults to 2.5 × this. */
  readonly heartbeat_ms: number
  /** Identifies the server process; it changes on every restart. */
  readonly instance: string
  /**
   * Where this stream starts: the newest durable id at connect time (for a log without events yet,
   * the position before its first), so a client resumes after it. `null` when the server has none.
   */
  readonly last_event_id: string | null
}

/** Sent every `heartbeat_ms` (ephemeral). */
export interface ServerHeartbeatProperties {
  readonly heartbeat_ms: number
}

/**
 * Sent (ephemeral) before anything else when the `Last-Event-ID` a client asked to resume from is
 * unknown or no longer retained: events were missed, so the client must refetch its state.
 */
export interface ServerResyncProperties {
  /** The id the client asked to resume after. */
  readonly requested: string
  /** The oldest id still retained, or `null` when the log is empty. */
  readonly oldest: string | null
}

/** Durable: the effective config changed (through `PATCH /global/config` or an edit of the file). */
export interface ConfigUpdatedProperties {
  readonly config: Config
  /** Dotted key paths whose value changed, e.g. `server.event_stream.heartbeat_ms`. */
  readonly changed: readonly string[]
}

/**
 * The built-in event types and their properties.
 *
 * @example
 * ```ts
 * import type { BuiltinEventMap } from "@tether/core/wire"
 * const connected: BuiltinEventMap["server.connected"] = { heartbeat_ms: 10000, instance: "a1", last_event_id: null }
 * ```
 */
export interface BuiltinEventMap {
  readonly "server.connected": ServerConnectedProperties
  readonly "server.heartbeat": ServerHeartbeatProperties
  readonly "server.resync": ServerResyncProperties
  readonly "config.updated": ConfigUpdatedProperties
}

/** The `type` string of a built-in event: `"server.connected" | "server.heartbeat" | …`. */
export type BuiltinEventType = keyof BuiltinEventMap

/**
 * An envelope of a built-in event, discriminated by `type`.
 *
 * @example
 * ```ts
 * import type { BuiltinEvent } from "@tether/core/wire"
 * const onEvent = (event: BuiltinEvent) => {
 *   if (event.type === "server.resync") console.log("missed events after", event.properties.requested)
 * }
 * ```
 */
export type BuiltinEvent = {
  [K in BuiltinEventType]: EventEnvelope<K, BuiltinEventMap[K]>
}[BuiltinEventType]

/**
 * Any event a stream may carry: a built-in one, or one published by an integration
 * (`POST /global/event`) whose properties are arbitrary JSON.
 *
 * @example
 * ```ts
 * import { EventType, type TetherEvent } from "@tether/core/wire"
 * const describe = (event: TetherEvent): string =>
 *   event.type === EventType.Heartbeat ? "heartbeat" : `${event.type} #${event.id}`
 * ```
 */
export type TetherEvent = BuiltinEvent | EventEnvelope<string, Record<string, unknown>>

/**
 * The `type` strings of the built-in events.
 *
 * @example
 * ```ts
 * import { EventType } from "@tether/core/wire"
 * EventType.Heartbeat // "server.heartbeat"
 * ```
 */
export const EventType = {
  Connected: "server.connected",
  Heartbeat: "server.heartbeat",
  Resync: "server.resync",
  ConfigUpdated: "config.updated",
} as const satisfies Record<string, BuiltinEventType>
