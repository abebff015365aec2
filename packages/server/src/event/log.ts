/**
 * The event log: where a durable event is stored before `POST /global/event` answers 202, and where
 * a reconnecting client's missed events are read back from.
 *
 * One interface, several backends: the embedded default is a SQLite file in the data dir
 * (`layer`), `layerMemory` keeps everything in the process (tests, the benchmark's "log off" row).
 * The interface is shaped for a Redis Streams backend too (several instances sharing one log):
 * ids are opaque strings minted by the backend (`XADD` ids there), ordered by `compare`, and every
 * call is an `Effect` so a network round trip fits.
 *
 * @module
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Context, Data, Effect, Layer } from "effect"
import { makeMemoryLog } from "./memory-log.ts"
import { makeSqliteLog } from "./sqlite-log.ts"

/** One stored durable event. `properties` is the JSON text made once at publish. */
export interface LoggedEvent {
  readonly id: string
  readonly type: string
  readonly time: number
  readonly properties: string
}

/** What to append: the id is minted by the log. */
export interface NewEvent {
  readonly type: string
  readonly time: number
  readonly properties: string
}

/**
 * Where a resuming client starts: replay everything after `after`, or (the id is unknown, or events
 * after it were trimmed) a resync, naming the oldest id still retained.
 */
export type ResumePoint =
  | { readonly _tag: "Replay"; readonly after: string }
  | { readonly _tag: "Resync"; readonly oldest: string | null }

/** The store failed (disk full, file removed, locked past the timeout…). */
export class EventLogError extends Data.TaggedError("EventLogError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** The operations every backend provides. */
export interface EventLogShape {
  /** The backend's name, for logs and readiness output. */
  readonly kind: "sqlite" | "memory"
  /** Stores the event durably and mints its id. Ids increase in append order and are never reused. */
  readonly append: (event: NewEvent) => Effect.Effect<LoggedEvent, EventLogError>
  /**
   * Readiness: one real write on the store's own connection that is not an event (no id minted,
   * nothing replayed, retention untouched). Fails like `append` would (disk full, read-only, locked).
   */
  readonly probe: Effect.Effect<void, EventLogError>
  /** Decides whether a client that last saw `requested` can be replayed without a gap. */
  readonly resume: (requested: string) => Effect.Effect<ResumePoint, EventLogError>
  /** Up to `limit` events after `after`, oldest first. */
  readonly readAfter: (after: string, limit: number) => Effect.Effect<readonly LoggedEvent[], EventLogError>
  /** The newest id, or `null` when the log is empty. */
  readonly newest: Effect.Effect<string | null, EventLogError>
  /** The oldest retained id, or `null` when the log is empty. */
  readonly oldest: Effect.Effect<string | null, EventLogError>
  /** Drops all but the newest `retain` events; returns how many were dropped. */
  readonly trim: (retain: number) => Effect.Effect<number, EventLogError>
  /** Orders two ids of this log (negative, zero, positive). */
  readonly compare: (a: string, b: string) => number
}

/** Which backend `tether serve --event-log` selects. */
export type EventLogKind = EventLogShape["kind"]

/**
 * The event log service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventLog } from "./log.ts"
 *
 * const program = Effect.gen(function* () {
 *   const log = yield* EventLog
 *   const event = yield* log.append({ type: "demo", time: Date.now(), properties: "{}" })
 *   return event.id
 * })
 * Effect.runPromise(program.pipe(Effect.provide(EventLog.layerMemory))).then(console.log) // 0000000000000001
 * ```
 */
export class EventLog extends Context.Service<EventLog, EventLogShape>()("@tether/server/EventLog") {
  /**
   * The SQLite log in `dataDir/events.sqlite` (the directory is created). Closing the layer's scope
   * checkpoints the WAL and closes the file.
   */
  static readonly layer = (dataDir: string): Layer.Layer<EventLog, EventLogError> =>
    Layer.effect(
      EventLog,
      Effect.acquireRelease(
        Effect.try({
          try: () => {
            mkdirSync(dataDir, { recursive: true })
            return makeSqliteLog(join(dataDir, EVENT_LOG_FILE))
          },
          catch: (cause) =>
            new EventLogError({
              message: `Cannot open the event log in ${dataDir}: ${cause instanceof Error ? cause.message : String(cause)}`,
              cause,
            }),
        }),
        (log) => Effect.sync(() => log.close()),
      ).pipe(Effect.map((log) => log.shape)),
    )

  /** A log held in memory: nothing survives the process. */
  static readonly layerMemory: Layer.Layer<EventLog> = Layer.sync(EventLog, makeMemoryLog)

  /** Either backend by name. */
  static readonly layerOf = (kind: EventLogKind, dataDir: string): Layer.Layer<EventLog, EventLogError> =>
    kind === "memory" ? EventLog.layerMemory : EventLog.layer(dataDir)
}

/** The file name of the SQLite log inside the data dir. */
export const EVENT_LOG_FILE = "events.sqlite"
