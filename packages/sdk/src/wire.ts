/**
 * The wire types of Tether's HTTP API and event stream, as the SDK sees them. Defined here (not
 * imported from `@tether/core`) so the SDK has no runtime dependency; `test/wire-types.test.ts` keeps
 * them identical to core's.
 *
 * @module
 */

/** One event as the server sends it: the `data:` line of each SSE frame is this object as JSON. */
export interface EventEnvelope<Type extends string = string, Properties = Record<string, unknown>> {
  /** The durable id (also the frame's `id:` line), or `""` for ephemeral events. Compare only for equality. */
  readonly id: string
  readonly type: Type
  readonly properties: Properties
  /** Milliseconds since the epoch, when the server accepted the event. */
  readonly time: number
}

/** The `id` of an envelope that is not durable (`server.connected`, `server.heartbeat`, `server.resync`). */
export const EPHEMERAL_ID = ""

/** What `POST /global/event` takes. */
export interface PublishInput<Type extends string = string, Properties = Record<string, unknown>> {
  readonly type: Type
  readonly properties?: Properties
}

/** `server.connected`: the first event of every stream. */
export interface ServerConnectedProperties {
  /** The heartbeat interval in force; the stale watchdog defaults to 2.5 × this. */
  readonly heartbeat_ms: number
  /** Identifies the server process; it changes on every restart. */
  readonly instance: string
  /** The newest durable id at connect time, or `null` when the log is empty. */
  readonly last_event_id: string | null
}

/** `server.heartbeat`: sent every `heartbeat_ms`. */
export interface ServerHeartbeatProperties {
  readonly heartbeat_ms: number
}

/** `server.resync`: the id asked to resume from is unknown or trimmed; events were missed, refetch your state. */
export interface ServerResyncProperties {
  readonly requested: string
  readonly oldest: string | null
}

/** `config.updated`: the effective config changed. */
export interface ConfigUpdatedProperties {
  readonly config: Config
  /** Dotted key paths whose value changed. */
  readonly changed: readonly string[]
}

/** The built-in event types and their properties. */
export interface BuiltinEventMap {
  readonly "server.connected": ServerConnectedProperties
  readonly "server.heartbeat": ServerHeartbeatProperties
  readonly "server.resync": ServerResyncProperties
  readonly "config.updated": ConfigUpdatedProperties
}

export type BuiltinEventType = keyof BuiltinEventMap

/** An envelope of a built-in event, discriminated by `type`. */
export type BuiltinEvent = {
  [K in BuiltinEventType]: EventEnvelope<K, BuiltinEventMap[K]>
}[BuiltinEventType]

/** Any event a stream may carry: a built-in one or one published by an integration. */
export type TetherEvent = BuiltinEvent | EventEnvelope<string, Record<string, unknown>>

/** The `type` strings of the built-in events. */
export const EventType = {
  Connected: "server.connected",
  Heartbeat: "server.heartbeat",
  Resync: "server.resync",
  ConfigUpdated: "config.updated",
} as const satisfies Record<string, BuiltinEventType>

/** The effective config (`GET /global/config`): every key present. */
export type Config = {
  $schema?: string | undefined
  server: {
    port: number
    hostname: string
    cors: string[]
    allowed_hosts: string[]
    event_stream: {
      heartbeat_ms: number
      retention_events: number
      max_buffered_bytes: number
    }
    event_log: {
      kind: "sqlite" | "memory" | "redis"
      redis_url?: string | undefined
    }
  }
}

/** What a config file may hold: every key optional. */
export type ConfigInput = {
  $schema?: string | undefined
  server?:
    | {
        port?: number | undefined
        hostname?: string | undefined
        cors?: string[] | undefined
        allowed_hosts?: string[] | undefined
        event_stream?:
          | {
              heartbeat_ms?: number | undefined
              retention_events?: number | undefined
              max_buffered_bytes?: number | undefined
            }
          | undefined
        event_log?:
          | {
              kind?: "sqlite" | "memory" | "redis" | undefined
              redis_url?: string | undefined
            }
          | undefined
      }
    | undefined
}

/** A deep-partial config, as `PATCH /global/config` takes it. */
export type ConfigPatch = DeepPartial<ConfigInput>

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

/** One problem in a config, as a 400 `ConfigInvalid` lists them. */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}

/** `GET /global/health`. */
export interface HealthResponse {
  readonly healthy: true
  readonly version: string
}

/** One readiness check: `ok`, plus figures such as `ms` or `value`, and `error` when it failed. */
export interface ReadyCheck {
  readonly ok: boolean
  readonly error?: string
  readonly [figure: string]: unknown
}

/** `GET /global/health/ready` (200 when ready, 503 when not: both carry this body). */
export interface ReadyResponse {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, ReadyCheck>>
}

/** `POST /global/event` → 202. */
export interface PublishResponse {
  readonly id: string
}
