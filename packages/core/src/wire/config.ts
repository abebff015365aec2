/**
 * The config as it crosses the wire: `GET /global/config` answers a `Config`, `PATCH /global/config`
 * takes a `ConfigPatch`, a 400 `ConfigInvalid` lists `ConfigIssue`s. Plain types: the zod schema in
 * `config/schema.ts` checks values and `satisfies` these exactly, so a key added there without being
 * added here fails core's typecheck.
 *
 * @module
 */

/**
 * The effective config: every key present, defaults filled in.
 *
 * @example
 * ```ts
 * import type { Config } from "@tether/core/wire"
 * const heartbeatOf = (config: Config): number => config.server.event_stream.heartbeat_ms
 * ```
 */
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

/**
 * What a config file may hold: every key optional.
 *
 * @example
 * ```ts
 * import type { ConfigInput } from "@tether/core/wire"
 * const file: ConfigInput = { server: { event_stream: { heartbeat_ms: 1000 } } }
 * ```
 */
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

/**
 * A deep-partial config, as `PATCH /global/config` takes it (arrays are replaced whole).
 *
 * @example
 * ```ts
 * import type { ConfigPatch } from "@tether/core/wire"
 * const patch: ConfigPatch = { server: { event_stream: { heartbeat_ms: 2000 } } }
 * ```
 */
export type ConfigPatch = DeepPartial<ConfigInput>

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

/**
 * One problem in a config, as `ConfigInvalid.issues` and the HTTP 400 body list them.
 *
 * `path` is the dotted key path (`server.event_stream.heartbeat_ms`,
 * array items as `server.cors.0`), `""` for the whole document (e.g. a JSONC syntax error, whose
 * `message` then starts with its 1-based line and column). `message` says what was expected and
 * what was given, without repeating the path.
 *
 * @example
 * ```ts
 * import type { ConfigIssue } from "@tether/core/wire"
 * const issue: ConfigIssue = {
 *   path: "server.event_stream.heartbeat_ms",
 *   message: "expected an integer from 1000 to 60000, got 500",
 * }
 * ```
 */
export interface ConfigIssue {
  readonly path: string
  readonly message: string
}
