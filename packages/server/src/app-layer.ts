/**
 * The whole server as one layer, merged once: config → log → bus → streams → HTTP, plus the
 * retention fiber. Closing its scope releases them in reverse: streams end, the listener stops,
 * then the log is flushed and closed.
 *
 * @module
 */
import type { Config } from "@tether/core"
import { type Context, Effect, Layer } from "effect"
import { ConfigFile } from "./config/config-file.ts"
import { LiveConfig } from "./config/live-config.ts"
import { dataDirLockLayer } from "./data-dir/lock.ts"
import { EventBus, type EventBusShape } from "./event/bus.ts"
import { instrumentEventLog } from "./event/instrumented-log.ts"
import { EventLog, type EventLogKind, type EventLogShape } from "./event/log.ts"
import { withEventLogInForce } from "./event/log-choice.ts"
import { RetentionLayer } from "./event/retention.ts"
import type { ReadinessOptions } from "./health/readiness.ts"
import { Readiness } from "./health/readiness-service.ts"
import { HttpServer } from "./http/server.ts"
import { runningLayer, startupLayer } from "./lifecycle.ts"
import { makeTelemetry, type TelemetryShape, telemetryLayer } from "./observability/telemetry.ts"
import { EventStreams } from "./stream/event-streams.ts"

/** Everything a server needs to start. */
export interface AppOptions {
  readonly config: Config
  /** The config file in use (`null`: defaults or in-memory). */
  readonly configPath: string | null
  readonly dataDir: string
  readonly eventLog: EventLogKind
  /** The Redis server when `eventLog` is `redis`: `redis://HOST:PORT[/DB]`. */
  readonly redisUrl?: string | undefined
  /** The built app's directory; default: found through `@tether/app`; `null` serves none. */
  readonly appDir?: string | null | undefined
  /** Limits of `GET /global/health/ready` (`--ready-deadline-ms`, `--ready-max-lag-ms`); defaults 1000 / 500 ms. */
  readonly readiness?: ReadinessOptions | undefined
  /** The log and metrics (`--log-format`, `--log-level`); default: pretty, info, on stderr. */
  readonly telemetry?: TelemetryShape | undefined
  /** Wrappers around the log and the bus; none by default (a test entry point injects faults with them). */
  readonly decorate?: ServerDecorators | undefined
}

/**
 * Wrappers a caller may put around the server's services; the CLI passes none. The server's test entry
 * point (`test/faults/`) makes a store, a read or the bus fail with them, so no fault code ships.
 */
export interface ServerDecorators {
  /** Wraps the event log, under its metrics: a failure it injects is counted and logged like a real one. */
  readonly eventLog?: (log: EventLogShape) => EventLogShape
  /** Wraps the event bus that the streams and readiness use. */
  readonly eventBus?: (bus: EventBusShape) => EventBusShape
  /** Runs for as long as the server does, and stops with it (a loop blocker, say). */
  readonly alongside?: Layer.Layer<never>
}

/** The server layer: provides every service, listening on `config.server.port`/`hostname`. */
export const appLayer = (options: AppOptions) => {
  const telemetry = options.telemetry ?? makeTelemetry({ eventLog: options.eventLog })
  const decorate = options.decorate ?? {}
  const startup = startupLayer({
    configPath: options.configPath,
    dataDir: options.dataDir,
    eventLog: options.eventLog,
    heartbeatMs: options.config.server.event_stream.heartbeat_ms,
  })
  // The SQLite log's data dir belongs to one server: locked before the log opens, released after it closes.
  const owned =
    options.eventLog === "sqlite" ? Layer.provideMerge(dataDirLockLayer(options.dataDir), startup) : startup
  // The live config (what goes out) names the log in force, its Redis URL without credentials.
  const liveConfig = withEventLogInForce(options.config, {
    kind: options.eventLog,
    redisUrl: options.redisUrl,
  })
  // The Redis log reads the live retention, so the config is provided to the log as well as merged.
  const log = wrapped(
    EventLog,
    EventLog.layerOf(options.eventLog, options.dataDir, options.redisUrl),
    decorate.eventLog,
  )
  const base = instrumentEventLog(log).pipe(
    Layer.provideMerge(LiveConfig.layerOf(liveConfig, options.configPath)),
    Layer.provide(owned),
  )
  const bus = wrapped(EventBus, EventBus.layer, decorate.eventBus).pipe(Layer.provideMerge(base))
  const streams = Layer.mergeAll(
    EventStreams.layer,
    RetentionLayer,
    Readiness.layerWith(options.readiness ?? {}),
    ConfigFile.layer,
    decorate.alongside ?? Layer.empty,
  ).pipe(Layer.provideMerge(bus))
  const http = HttpServer.layer({
    port: options.config.server.port,
    hostname: options.config.server.hostname,
    appDir: options.appDir,
  }).pipe(Layer.provideMerge(streams))
  return runningLayer.pipe(Layer.provideMerge(http), Layer.provide(telemetryLayer(telemetry)))
}

// The service `layer` provides, passed through `wrap` (the layer itself when there is none).
const wrapped = <I, S, E, R>(
  service: Context.Key<I, S>,
  layer: Layer.Layer<I, E, R>,
  wrap: ((shape: S) => S) | undefined,
): Layer.Layer<I, E, R> =>
  wrap === undefined
    ? layer
    : Layer.effect(service, Effect.map(Effect.service(service), wrap)).pipe(Layer.provide(layer))
