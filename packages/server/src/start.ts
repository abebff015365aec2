/**
 * The in-process API: start a server from code (tests, embedding) and stop it.
 *
 * @module
 */
import {
  type Config,
  type ConfigInput,
  defaultDataDir,
  loadConfig,
  mergeConfigPatch,
  type PublishInput,
  validateConfig,
} from "@tether/core"
import { Cause, Context, Effect, Exit, Layer, Scope } from "effect"
import { appLayer } from "./app-layer.ts"
import type { LiveConfigShape } from "./config/service.ts"
import { LiveConfig } from "./config/service.ts"
import { EventBus, type PublishedEvent } from "./event/bus.ts"
import type { EventLogKind } from "./event/log.ts"
import type { ReadinessOptions } from "./health/readiness.ts"
import { HttpServer } from "./http/server.ts"
import type { ServerLogOptions } from "./observability/log.ts"
import { makeTelemetry } from "./observability/telemetry.ts"
import { EventStreams } from "./stream/service.ts"

/** How to start a server. Every field is optional. */
export interface StartServerOptions {
  /**
   * The config (as a file would hold it, validated here; throws `ConfigInvalid`). Default: loaded
   * from `configPath`, or by the usual lookup (`TETHER_CONFIG`, `./tether.jsonc`, XDG) when
   * `configPath` is not given either.
   */
  readonly config?: ConfigInput
  /** A config file to load (`--config`). */
  readonly configPath?: string
  /** Overrides `server.port`; `0` picks a free port. */
  readonly port?: number
  /** Overrides `server.hostname`. */
  readonly hostname?: string
  /** Where the SQLite event log lives. Default: `$XDG_DATA_HOME/tether` (`~/.local/share/tether`). */
  readonly dataDir?: string
  /** `"sqlite"`, `"memory"` or `"redis"`. Default: the config's `server.event_log.kind` (`"sqlite"`). */
  readonly eventLog?: EventLogKind
  /** The Redis server of the `redis` log. Default: the config's `server.event_log.redis_url`. */
  readonly redisUrl?: string
  /** The built app's directory. Default: found through `@tether/app`; `null` serves none. */
  readonly appDir?: string | null
  /** Limits of `GET /global/health/ready`. Default: a 1000 ms deadline per check, 500 ms of event-loop lag. */
  readonly readiness?: ReadinessOptions
  /** The lifecycle log: format (`pretty`/`json`), level, where lines go. Default: pretty, info, stderr. */
  readonly log?: ServerLogOptions
}

/** A running server. */
export interface TetherServer {
  /** `http://HOST:PORT`. */
  readonly url: string
  readonly port: number
  readonly hostname: string
  /** This process's instance id (as sent in `server.connected`). */
  readonly instance: string
  /** The live config (read it, replace it; open streams follow). */
  readonly config: LiveConfigShape
  /**
   * Publishes an event, as `POST /global/event` does. Rejects with `EventInvalid` (BigInt, circular,
   * oversized, bad type) and stores nothing then.
   */
  readonly publish: (event: PublishInput) => Promise<PublishedEvent>
  /** How many event streams are open. */
  readonly connections: () => number
  /** Ends every stream, stops listening, flushes and closes the event log. */
  readonly stop: () => Promise<void>
}

/**
 * Resolves the effective config: the given or loaded one, with `port`/`hostname` overrides,
 * validated (throws `ConfigInvalid` / `ConfigFileError`).
 */
export const resolveConfig = async (
  options: Pick<StartServerOptions, "config" | "configPath" | "port" | "hostname">,
): Promise<{ config: Config; path: string | null }> => {
  const loaded =
    options.config !== undefined
      ? { config: validateConfig(options.config, null), path: options.configPath ?? null }
      : await loadConfig(options.configPath === undefined ? {} : { configPath: options.configPath })
  const server: Record<string, unknown> = {}
  if (options.port !== undefined) server.port = options.port
  if (options.hostname !== undefined) server.hostname = options.hostname
  if (Object.keys(server).length === 0) return { config: loaded.config, path: loaded.path }
  return {
    config: validateConfig(mergeConfigPatch(loaded.config, { server }), loaded.path),
    path: loaded.path,
  }
}

/**
 * Starts a server and resolves once it listens.
 *
 * @example
 * ```ts
 * import { startServer } from "@tether/server"
 *
 * const server = await startServer({ port: 0, eventLog: "memory", config: { server: { event_stream: { heartbeat_ms: 1000 } } } })
 * const { id } = await server.publish({ type: "build.done", properties: { ok: true } })
 * console.log(server.url, id)
 * await server.stop()
 * ```
 */
export const startServer = async (options: StartServerOptions = {}): Promise<TetherServer> => {
  const { config, path } = await resolveConfig(options)
  const scope = Effect.runSync(Scope.make())
  const layer = appLayer({
    config,
    configPath: path,
    dataDir: options.dataDir ?? defaultDataDir(),
    eventLog: options.eventLog ?? config.server.event_log.kind,
    redisUrl: options.redisUrl ?? config.server.event_log.redis_url,
    appDir: options.appDir,
    readiness: options.readiness,
    telemetry: makeTelemetry({ ...options.log, eventLog: options.eventLog ?? "sqlite" }),
  })
  const built = await Effect.runPromise(Effect.exit(Layer.buildWithScope(layer, scope)))
  if (Exit.isFailure(built)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    // The first failure (ListenError, EventLogError), as thrown Error.
    throw Cause.squash(built.cause)
  }
  const services = built.value
  const http = Context.get(services, HttpServer)
  const bus = Context.get(services, EventBus)
  const streams = Context.get(services, EventStreams)
  let stopping: Promise<void> | null = null
  return {
    url: http.url,
    port: http.port,
    hostname: http.hostname,
    instance: streams.instance,
    config: Context.get(services, LiveConfig),
    publish: (event) => Effect.runPromise(bus.publish(event)),
    connections: streams.count,
    stop: () => {
      stopping ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return stopping
    },
  }
}
