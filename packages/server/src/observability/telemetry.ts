/**
 * A server's telemetry: its log and its metrics, one of each per server, reached by every service
 * through the `Telemetry` reference. A reference has a default, so services and tests built without
 * `appLayer` need not provide it (they get a log at `info` on stderr and metrics no one scrapes);
 * `appLayer` provides the one made from `--log-format` / `--log-level`.
 *
 * @module
 */
import { Context, Layer } from "effect"
import { VERSION } from "../version.ts"
import { makeServerLog, type ServerLog, type ServerLogOptions } from "./log.ts"
import { makeMetrics, type ServerMetrics } from "./metrics.ts"

/** A server's log and metrics. */
export interface TelemetryShape {
  readonly log: ServerLog
  readonly metrics: ServerMetrics
}

/** How to make a server's telemetry. */
export interface TelemetryOptions extends ServerLogOptions {
  /** The event-log backend's name, reported in `tether_info`. */
  readonly eventLog?: string
}

/**
 * Makes a log and a metrics registry.
 *
 * @example
 * ```ts
 * import { makeTelemetry } from "./telemetry.ts"
 * const telemetry = makeTelemetry({ format: "json", level: "debug", eventLog: "memory" })
 * telemetry.log.info("hello")
 * telemetry.metrics.published()
 * ```
 */
export const makeTelemetry = (options: TelemetryOptions = {}): TelemetryShape => ({
  log: makeServerLog(options),
  metrics: makeMetrics({ version: VERSION, eventLog: options.eventLog ?? "unknown" }),
})

/**
 * The telemetry of the server being built.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "./telemetry.ts"
 *
 * const hello = Effect.gen(function* () {
 *   const { log } = yield* Telemetry
 *   log.info("hello")
 * })
 * ```
 */
export const Telemetry = Context.Reference<TelemetryShape>("@tether/server/Telemetry", {
  defaultValue: () => makeTelemetry(),
})

/**
 * Provides `telemetry` to the layers built on top.
 *
 * @example
 * ```ts
 * import { makeTelemetry, telemetryLayer } from "./telemetry.ts"
 * const layer = telemetryLayer(makeTelemetry({ level: "warn" }))
 * ```
 */
export const telemetryLayer = (telemetry: TelemetryShape): Layer.Layer<never> =>
  Layer.succeedContext(Context.make(Telemetry, telemetry))
