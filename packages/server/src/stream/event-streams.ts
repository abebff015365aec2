/**
 * The event streams of one server: opening `GET /global/event` connections, the fan-out of published
 * events to them, the shared heartbeat, and closing them all at shutdown.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import { LiveConfig } from "../config/live-config.ts"
import { EventBus } from "../event/bus.ts"
import { EventLog } from "../event/log.ts"
import { Telemetry } from "../observability/telemetry.ts"
import { Connection, type ConnectionHost } from "./connection.ts"
import { durableFrame } from "./frame.ts"
import { FrameCache } from "./frame-cache.ts"
import { runHeartbeat } from "./heartbeat.ts"
import { Hub } from "./hub.ts"
import { LoopBudget } from "./loop-budget.ts"
import { startStream } from "./replay.ts"
import { ReplayPages } from "./replay-pages.ts"
import { makeStreamTelemetry } from "./stream-telemetry.ts"

/** What `EventStreams` offers. */
export interface EventStreamsShape {
  /** Identifies this server process in `server.connected`; new on every start. */
  readonly instance: string
  /**
   * Opens a stream, resuming after `lastEventId` when given. The connection is subscribed before
   * this returns; its first frames follow asynchronously. Await `connection.opened` before answering:
   * an error there means the log could not be read, nothing was sent, and the answer is a 503.
   */
  readonly open: (lastEventId: string | null) => Connection
  /** How many streams are open (tests check that disconnects leave none behind). */
  readonly count: () => number
  /** Ends every stream normally; streams opened afterwards end at once (shutdown has begun). */
  readonly closeAll: () => void
}

/**
 * The event streams service. Its scope runs the heartbeat fiber and, when closed, ends every stream.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { EventStreams } from "./event-streams.ts"
 *
 * const countOpen = Effect.gen(function* () {
 *   const streams = yield* EventStreams
 *   return streams.count()
 * })
 * ```
 */
export class EventStreams extends Context.Service<EventStreams, EventStreamsShape>()(
  "@tether/server/EventStreams",
) {
  static readonly layer: Layer.Layer<EventStreams, never, EventBus | EventLog | LiveConfig> = Layer.effect(
    EventStreams,
    Effect.gen(function* () {
      const config = yield* LiveConfig
      const bus = yield* EventBus
      const log = yield* EventLog
      const { log: serverLog, metrics } = yield* Telemetry
      // A joined chunk stays under half the slow-client bound (see hub.ts).
      const hub = new Hub(log.compare, undefined, metrics, log.previous, () =>
        Math.floor(config.current().server.event_stream.max_buffered_bytes / 2),
      )
      const telemetry = makeStreamTelemetry(serverLog, metrics)
      // Once shutdown began, a new stream is ended at once (the client reconnects to the next server).
      let closing = false
      const instance = crypto.randomUUID()
      const warn = (message: string) => serverLog.warn(message)
      const host: ConnectionHost = {
        maxBufferedBytes: () => config.current().server.event_stream.max_buffered_bytes,
        release: (connection) => {
          hub.remove(connection)
          telemetry.closed(connection)
        },
        warn,
      }
      const frames = new FrameCache()
      const start = {
        log,
        pages: new ReplayPages(log, frames),
        budget: new LoopBudget(),
        instance,
        heartbeatMs: () => config.current().server.event_stream.heartbeat_ms,
        maxBufferedBytes: host.maxBufferedBytes,
        warn,
        observe: telemetry.replay,
      }

      // Encoded once here, for every connection and for the replay cache.
      const unsubscribe = bus.subscribe((event) => {
        const frame = durableFrame(event.id, event.type, event.properties, event.time)
        frames.set(event.id, frame)
        hub.broadcast(event.id, frame)
      })
      // A shared log's follower lost its place: every client resumes from its last id, and the log
      // replays what it still holds or answers server.resync (once per client), never a silent skip.
      const unsubscribeLost = bus.onLost((reason, unaffected) => {
        hub.flush()
        const ended = hub.endWhere((connection) => !unaffected(connection.lastId))
        if (ended > 0)
          warn(`tether: ended ${ended} event streams so that they resume from their last id: ${reason}`)
      })
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          unsubscribeLost()
          unsubscribe()
          closing = true
          hub.closeAll()
        }),
      )
      yield* Effect.forkScoped(runHeartbeat(config, hub))

      const closeAll = () => {
        closing = true
        hub.closeAll()
      }
      return EventStreams.of({
        instance,
        open: (lastEventId) => {
          const connection = new Connection(host)
          telemetry.opened(connection, lastEventId)
          if (closing) {
            connection.end("shutdown")
            return connection
          }
          connection.hold()
          hub.add(connection)
          connection.opened = startStream(connection, start, lastEventId)
          return connection
        },
        count: () => hub.size,
        closeAll,
      })
    }),
  )
}
