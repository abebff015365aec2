/**
 * Retention: keeps the newest `server.event_stream.retention_events` events, trimming in the
 * background (never on the publish path) and reading the current setting at every batch.
 *
 * @module
 */
import { Effect, Layer, Schedule } from "effect"
import { LiveConfig } from "../config/service.ts"
import { Telemetry } from "../observability/telemetry.ts"
import { EventLog, type EventLogError } from "./log.ts"

/** How often the log is trimmed. */
export const TRIM_EVERY_MS = 1000

/** Events deleted per batch: a few milliseconds of SQLite work, so the event loop is never held for long. */
export const TRIM_BATCH = 2000

/** A scoped fiber trimming the log every second; a failing pass is logged and retried next time. */
export const RetentionLayer: Layer.Layer<never, never, EventLog | LiveConfig> = Layer.effectDiscard(
  Effect.gen(function* () {
    const log = yield* EventLog
    const config = yield* LiveConfig
    // Batches, with a turn of the event loop between them: a backlog of millions (an old data dir,
    // retention lowered live) is trimmed without stalling heartbeats or readiness.
    const batches: Effect.Effect<void, EventLogError> = Effect.suspend(() =>
      log.trim(config.current().server.event_stream.retention_events, TRIM_BATCH),
    ).pipe(
      Effect.flatMap((dropped) =>
        dropped < TRIM_BATCH ? Effect.void : Effect.andThen(Effect.sleep(0), batches),
      ),
    )
    const { log: serverLog } = yield* Telemetry
    const pass = batches.pipe(
      Effect.catch((error) =>
        Effect.sync(() => serverLog.error(`trimming the event log failed: ${error.message}`)),
      ),
    )
    yield* Effect.forkScoped(Effect.repeat(pass, Schedule.spaced(TRIM_EVERY_MS)))
  }),
)
