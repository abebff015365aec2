/**
 * The config schema: every key a `tether.jsonc` may hold, with its default and range.
 * The JSON Schema for editors is generated from this one definition.
 *
 * @module
 */
import { z } from "zod"

/** Range and default of `server.event_stream.heartbeat_ms`. */
export const HEARTBEAT_MS = { min: 1000, max: 60_000, default: 10_000 } as const

const MiB = 1024 * 1024

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

export const ServerConfigSchema = z
  .strictObject({
    port: z.int().min(0).max(65_535).default(4096).describe("TCP port; 0 picks a free one."),
    hostname: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("Address to bind. A non-loopback address requires TETHER_SERVER_PASSWORD."),
    cors: z
      .array(z.url({ protocol: /^https?$/ }).describe("An origin such as http://localhost:5173"))
      .default([])
      .describe("Origins, besides the server's own, allowed to call the API from a browser."),
    allowed_hosts: z
      .array(z.string().min(1))
      .default([])
      .describe("Extra Host header names accepted besides the bound address and loopback names."),
    event_stream: EventStreamConfigSchema.prefault({}),
  })
  .describe("The HTTP server.")

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("The JSON Schema of this file, for editors."),
    server: ServerConfigSchema.prefault({}),
  })
  .describe("Tether config (tether.jsonc).")

/** The effective config: every key present, defaults filled in. */
export type Config = z.output<typeof ConfigSchema>

/** What a config file may hold: every key optional. */
export type ConfigInput = z.input<typeof ConfigSchema>

/** A deep-partial config, as `PATCH /global/config` takes it. */
export type ConfigPatch = DeepPartial<ConfigInput>

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

/** The config with every default, as used when no file exists. */
export const defaultConfig = (): Config => ConfigSchema.parse({})
