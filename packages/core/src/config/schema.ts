/**
 * The config schema: every key a `tether.jsonc` may hold, with its default and range.
 * The JSON Schema for editors (`configJsonSchema()`) is generated from this one definition, so
 * every check here must be expressible in JSON Schema (no `.refine`): ranges, `int`, regex patterns.
 *
 * @module
 */
import { z } from "zod"
import type { Config, ConfigInput } from "../wire/config.ts"
import { HEARTBEAT_MS } from "../wire/timing.ts"

const MiB = 1024 * 1024

// A port 1-65535 without leading zeros, spelled as a regex because JSON Schema has no other way.
const PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"

/**
 * What a `server.cors` entry must look like: a bare origin `scheme://host[:port]`, exactly as a
 * browser sends it in the `Origin` header: `http` or `https`, lowercase, no path, no trailing slash,
 * no default port (`:80` for http, `:443` for https). Browsers never send those in `Origin`, so such
 * an entry could never match: it is an error rather than a silent no-op.
 *
 * @example
 * ```ts
 * import { ORIGIN_PATTERN } from "@tether/core"
 * new RegExp(ORIGIN_PATTERN).test("http://localhost:5173") // true
 * new RegExp(ORIGIN_PATTERN).test("http://localhost:5173/") // false
 * ```
 */
export const ORIGIN_PATTERN = `^(?!http://.*:80$)(?!https://.*:443$)https?://(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::${PORT})?$`

/**
 * The schema of `server.event_stream`: the live event stream, `GET /global/event`.
 * Defaults: `heartbeat_ms` 10000 (1000–60000), `retention_events` 10000, `max_buffered_bytes` 1 MiB.
 *
 * @example
 * ```ts
 * import { EventStreamConfigSchema } from "@tether/core"
 * EventStreamConfigSchema.parse({ heartbeat_ms: 1000 }).max_buffered_bytes // 1048576
 * ```
 */
export const EventStreamConfigSchema = z
  .strictObject({
    heartbeat_ms: z
      .int()
      .min(HEARTBEAT_MS.min)
      .max(HEARTBEAT_MS.max)
      .default(HEARTBEAT_MS.default)
      .describe(
        "Milliseconds between `server.heartbeat` events on GET /global/event. Short enough that idle proxies, antivirus and TCP timeouts never see a silent connection.",
      ),
    retention_events: z
      .int()
      .min(1)
      .max(10_000_000)
      .default(10_000)
      .describe("How many past durable events stay replayable with Last-Event-ID."),
    max_buffered_bytes: z
      .int()
      .min(64 * 1024)
      .max(1024 * MiB)
      .default(MiB)
      .describe(
        "Per-connection unsent bytes before the server drops that slow client (it resumes from its last id).",
      ),
  })
  .describe("The live event stream, GET /global/event.")

/**
 * What a `server.event_log.redis_url` must look like: `redis://HOST:PORT[/DB]` (`rediss://` for TLS),
 * optionally with `user:password@` before the host. No path beyond the database number, no query.
 *
 * @example
 * ```ts
 * import { REDIS_URL_PATTERN } from "@tether/core"
 * new RegExp(REDIS_URL_PATTERN).test("redis://127.0.0.1:6379/0") // true
 * new RegExp(REDIS_URL_PATTERN).test("http://127.0.0.1:6379") // false
 * ```
 */
export const REDIS_URL_PATTERN = `^rediss?://(?:[^\\s@/]*@)?(?:[a-zA-Z0-9.-]+|\\[[0-9a-fA-F:.]+\\]):${PORT}(?:/(?:0|[1-9][0-9]{0,4}))?$`

/**
 * The schema of `server.event_log`: where durable events are stored. Defaults: `kind` `sqlite` (a file
 * in the data dir, one process); `redis` shares one log among several instances and needs `redis_url`
 * (or `TETHER_REDIS_URL`). `tether serve --event-log` / `--redis-url` win over these.
 *
 * @example
 * ```ts
 * import { EventLogConfigSchema } from "@tether/core"
 * EventLogConfigSchema.parse({}).kind // "sqlite"
 * ```
 */
export const EventLogConfigSchema = z
  .strictObject({
    kind: z
      .enum(["sqlite", "memory", "redis"])
      .default("sqlite")
      .describe(
        "sqlite: one process, a file in the data dir; memory: nothing survives a restart (tests); redis: several instances share one log in Redis Streams.",
      ),
    redis_url: z
      .string()
      .regex(new RegExp(REDIS_URL_PATTERN), {
        error: 'expected redis://HOST:PORT[/DB] (rediss:// for TLS), e.g. "redis://127.0.0.1:6379/0"',
      })
      .optional()
      .describe("The Redis server of the shared log (kind redis): redis://HOST:PORT[/DB]."),
  })
  .describe("Where durable events are stored (read at start; a change applies at the next start).")

/**
 * The schema of `server`: the HTTP server. Defaults: port 4096, hostname `127.0.0.1`, no extra CORS
 * origins or allowed hosts.
 *
 * @example
 * ```ts
 * import { ServerConfigSchema } from "@tether/core"
 * ServerConfigSchema.parse({ cors: ["http://localhost:5173"] }).port // 4096
 * ```
 */
export const ServerConfigSchema = z
  .strictObject({
    port: z.int().min(0).max(65_535).default(4096).describe("TCP port; 0 picks a free one."),
    hostname: z
      .string()
      .regex(/^\S+$/, { error: 'expected a host name or IP address without spaces, e.g. "127.0.0.1"' })
      .default("127.0.0.1")
      .describe("Address to bind. A non-loopback address requires TETHER_SERVER_PASSWORD."),
    cors: z
      .array(
        z
          .string()
          .regex(new RegExp(ORIGIN_PATTERN), {
            error:
              'expected an origin scheme://host[:port] in lowercase, with no path, trailing slash or default port, e.g. "http://localhost:5173"',
          })
          .describe("An origin scheme://host[:port], e.g. http://localhost:5173"),
      )
      .default([])
      .describe("Origins, besides the server's own, allowed to call the API from a browser."),
    allowed_hosts: z
      .array(
        z
          .string()
          .regex(/^[^\s/]+$/, {
            error: 'expected a host name with no scheme, path or spaces, e.g. "tether.local"',
          })
          .describe("A Host header name, e.g. tether.local"),
      )
      .default([])
      .describe("Extra Host header names accepted besides the bound address and loopback names."),
    event_stream: EventStreamConfigSchema.prefault({}),
    event_log: EventLogConfigSchema.prefault({}),
  })
  .describe("The HTTP server.")

/**
 * The whole config file. Strict: unknown keys are errors, at every level. Keys are snake_case.
 * Prefer `validateConfig` / `parseConfigText`, which turn zod issues into messages naming the key,
 * what was expected and the value given.
 *
 * @example
 * ```ts
 * import { ConfigSchema } from "@tether/core"
 * const config = ConfigSchema.parse({ server: { event_stream: { heartbeat_ms: 1000 } } })
 * console.log(config.server.port) // 4096
 * ```
 */
export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("The JSON Schema of this file, for editors."),
    server: ServerConfigSchema.prefault({}),
  })
  .describe("Tether config (tether.jsonc).") satisfies z.ZodType<Config, ConfigInput>

/**
 * True when `A` and `B` are the same type (optional and readonly included, which mutual
 * assignability misses).
 */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

// The wire types are written by hand in `wire/config.ts` (the SDK and the app read them without zod);
// `satisfies` above checks one direction only, so a key added to the schema alone would pass it.
true satisfies Same<z.output<typeof ConfigSchema>, Config> & Same<z.input<typeof ConfigSchema>, ConfigInput>

/**
 * The config with every default, as used when no file exists. A fresh object on each call.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * console.log(defaultConfig().server.event_stream.heartbeat_ms) // 10000
 * ```
 */
export const defaultConfig = (): Config => ConfigSchema.parse({})
