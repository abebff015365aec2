/**
 * The event log: where a durable event is stored before `POST /global/event` answers 202, and where
 * a reconnecting client's missed events are read back from.
 *
 * One interface, several backends: the embedded default is a SQLite file in the data dir
 * (`layer`), `layerMemory` keeps everything in the process (tests, the benchmark's "log off" row).
 * `layerRedis` shares one log among several instances in Redis Streams (`redis-log.ts`): ids are
 * opaque strings minted by the backend, ordered by `compare`, and every call is an `Effect` so a
 * network round trip fits.
 *
 * @module
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import { LiveConfig } from "../config/service.ts"
import { EventLogError, type EventLogShape } from "./log-shape.ts"
import { makeMemoryLog } from "./memory-log.ts"
import { openRedisLog } from "./redis-log.ts"
import { makeSqliteLog } from "./sqlite-log.ts"

export {
  EventLogError,
  type EventLogShape,
  type LogFollower,
  type LogFollowing,
  type LoggedEvent,
  type NewEvent,
  type ResumePoint,
} from "./log-shape.ts"

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
 * Effect.runPromise(program.pipe(Effect.provide(EventLog.layerMemory))).then(console.log) // e.g. 1795651200000001 (a new log starts after its creation time)
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
            // Events may carry private data: the directory is the user's alone when we create it.
            mkdirSync(dataDir, { recursive: true, mode: 0o700 })
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

  /** The in-memory log, as tests use it. */
  static readonly layerTest: Layer.Layer<EventLog> = EventLog.layerMemory

  /**
   * The log shared by several instances, in Redis Streams at `url` (`redis://HOST:PORT[/DB]`).
   * Fails with `EventLogError` when Redis cannot be reached at start. Trims to the live
   * `server.event_stream.retention_events`.
   */
  static readonly layerRedis = (url: string): Layer.Layer<EventLog, EventLogError, LiveConfig> =>
    Layer.effect(
      EventLog,
      Effect.gen(function* () {
        const config = yield* LiveConfig
        const log = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: () =>
              openRedisLog({ url, retention: () => config.current().server.event_stream.retention_events }),
            catch: (cause) =>
              cause instanceof EventLogError
                ? cause
                : new EventLogError({
                    message: `Cannot open the event log in Redis: ${String(cause)}`,
                    cause,
                  }),
          }),
          (log) => Effect.promise(() => log.close()),
        )
        return log.shape
      }),
    )

  /** A backend by name; `redisUrl` is required for `redis`. */
  static readonly layerOf = (
    kind: EventLogKind,
    dataDir: string,
    redisUrl?: string,
  ): Layer.Layer<EventLog, EventLogError, LiveConfig> => {
    if (kind === "memory") return EventLog.layerMemory
    if (kind === "sqlite") return EventLog.layer(dataDir)
    if (redisUrl === undefined)
      return Layer.effect(
        EventLog,
        Effect.fail(new EventLogError({ message: "The redis event log needs a Redis URL (--redis-url)" })),
      )
    return EventLog.layerRedis(redisUrl)
  }
}

/** The file name of the SQLite log inside the data dir. */
export const EVENT_LOG_FILE = "events.sqlite"
