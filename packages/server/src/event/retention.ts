/**
 * Retention: keeps the newest `server.event_stream.retention_events` events, trimming in the
 * background (never on the publish path) and reading the current setting at every pass.
 *
 * @module
 */
import { Effect, Layer, Schedule } from "effect"
import { LiveConfig } from "../config/service.ts"
import { EventLog } from "./log.ts"

/** How often the log is trimmed. */
export const TRIM_EVERY_MS = 1000

/** A scoped fiber trimming the log every second; a failing pass is logged and retried next time. */
export const RetentionLayer: Layer.Layer<never, never, EventLog | LiveConfig> = Layer.effectDiscard(
  Effect.gen(function* () {
    const log = yield* EventLog
    const config = yield* LiveConfig
    const pass = Effect.suspend(() => log.trim(config.current().server.event_stream.retention_events)).pipe(
      Effect.catch((error) =>
        Effect.sync(() => console.error(`tether: trimming the event log failed: ${error.message}`)),
      ),
    )
    yield* Effect.forkScoped(Effect.repeat(pass, Schedule.spaced(TRIM_EVERY_MS)))
  }),
)
