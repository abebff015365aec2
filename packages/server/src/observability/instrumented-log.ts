/**
 * The event log with its telemetry: each append timed into `tether_event_log_append_seconds`, and
 * each failing operation counted in `tether_event_log_errors_total` and logged (appends and reads; a
 * failing trim is logged by retention itself). A decorator around whichever backend is in use, so no
 * backend carries metrics code.
 *
 * @module
 */
import { Effect, Layer } from "effect"
import { EventLog, type EventLogError, type EventLogShape } from "../event/log.ts"
import { Telemetry, type TelemetryShape } from "./telemetry.ts"

/**
 * Wraps an event-log layer so that the log it provides reports to the server's telemetry.
 *
 * @example
 * ```ts
 * import { EventLog } from "../event/log.ts"
 * import { instrumentEventLog } from "./instrumented-log.ts"
 * const layer = instrumentEventLog(EventLog.layerMemory)
 * ```
 */
export const instrumentEventLog = <E, R>(layer: Layer.Layer<EventLog, E, R>): Layer.Layer<EventLog, E, R> =>
  Layer.effect(
    EventLog,
    Effect.gen(function* () {
      const log = yield* EventLog
      const telemetry = yield* Telemetry
      return instrument(log, telemetry)
    }),
  ).pipe(Layer.provide(layer))

/**
 * The decorated log.
 *
 * @example
 * ```ts
 * import { makeMemoryLog } from "../event/memory-log.ts"
 * import { instrument } from "./instrumented-log.ts"
 * import { makeTelemetry } from "./telemetry.ts"
 * const log = instrument(makeMemoryLog(), makeTelemetry())
 * ```
 */
export const instrument = (
  log: EventLogShape,
  { log: serverLog, metrics }: TelemetryShape,
): EventLogShape => {
  const failed =
    (operation: string, logged: boolean) =>
    (error: EventLogError): Effect.Effect<void> =>
      Effect.sync(() => {
        metrics.logError(operation)
        if (logged)
          serverLog.error(`event log ${operation} failed: ${error.message}`, { event_log: log.kind })
      })
  return {
    ...log,
    append: (event) =>
      Effect.suspend(() => {
        const started = performance.now()
        return log.append(event).pipe(
          Effect.tap(() => Effect.sync(() => metrics.appended((performance.now() - started) / 1000))),
          Effect.tapError(failed("append", true)),
        )
      }),
    resume: (requested) => log.resume(requested).pipe(Effect.tapError(failed("read", true))),
    readAfter: (after, limit) => log.readAfter(after, limit).pipe(Effect.tapError(failed("read", true))),
    newest: log.newest.pipe(Effect.tapError(failed("read", true))),
    trim: (retain, limit) => log.trim(retain, limit).pipe(Effect.tapError(failed("trim", false))),
  }
}
