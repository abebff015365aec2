/**
 * The server's lifecycle lines and its metrics' wiring:
 *
 * - `startupLayer`, built first: logs `starting` (version, config file or defaults, data dir, event
 *   log, heartbeat); its finalizer, the last to run, logs `stopped` once the event log is flushed and
 *   closed.
 * - `runningLayer`, built last (on the listening server): binds the scrape-time gauges, counts
 *   publishes, logs `listening` (and, under `bun --watch`, that the server restarted and why); its
 *   finalizer, the first to run, logs `shutting down` with what is about to be ended and flushed.
 *
 * @module
 */

import { Effect, Layer } from "effect"
import { LiveConfig } from "./config/live-config.ts"
import { EventBus } from "./event/bus.ts"
import { EventLog } from "./event/log.ts"
import { parseRedisId } from "./event/redis-id.ts"
import { Readiness } from "./health/readiness-service.ts"
import { HttpServer } from "./http/server.ts"
import { Telemetry } from "./observability/telemetry.ts"
import { noteWatchStart } from "./observability/watch-restart.ts"
import { EventStreams } from "./stream/event-streams.ts"
import { VERSION } from "./version.ts"

/**
 * An id as the metrics count it: the embedded logs' ids are numbers already; the Redis log's
 * `<generation>-<sequence>` counts by its sequence, gapless within a generation and trimmed oldest
 * first, so the oldest-to-newest span is the number retained there too.
 */
const position = (id: string | null): string | null => {
  if (id === null) return null
  const redis = parseRedisId(id)
  return redis === null ? id : String(redis.seq)
}

// The servers that reached `listening`: only they have something to report as stopped.
const listened = new WeakSet<object>()

/** What the `starting` line reports. */
export interface StartFacts {
  readonly configPath: string | null
  readonly dataDir: string
  readonly eventLog: string
  readonly heartbeatMs: number
}

/**
 * Logs `starting` now and `stopped` when its scope closes.
 *
 * @example
 * ```ts
 * import { startupLayer } from "./lifecycle.ts"
 * const layer = startupLayer({ configPath: null, dataDir: "/tmp/tether", eventLog: "memory", heartbeatMs: 10000 })
 * ```
 */
export const startupLayer = (facts: StartFacts): Layer.Layer<never> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const telemetry = yield* Telemetry
      const { log } = telemetry
      log.info("starting", {
        version: VERSION,
        config: facts.configPath ?? "defaults",
        data_dir: facts.eventLog === "sqlite" ? facts.dataDir : undefined,
        event_log: facts.eventLog,
        heartbeat_ms: facts.heartbeatMs,
        pid: process.pid,
      })
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          // A start that failed (data dir in use, port taken) has said why already.
          if (!listened.has(telemetry)) return
          log.info(
            facts.eventLog === "sqlite"
              ? "stopped: every stream ended, the event log flushed and closed"
              : "stopped: every stream ended",
            { event_log: facts.eventLog },
          )
        }),
      )
    }),
  )

/**
 * Wires the metrics to the running server and logs `listening`; logs `shutting down` when its scope
 * starts closing.
 *
 * @example
 * ```ts
 * import { runningLayer } from "./lifecycle.ts"
 * const layer = runningLayer // provide it with the server's services
 * ```
 */
export const runningLayer: Layer.Layer<
  never,
  never,
  HttpServer | EventStreams | EventLog | EventBus | Readiness | LiveConfig
> = Layer.effectDiscard(
  Effect.gen(function* () {
    const telemetry = yield* Telemetry
    const { log, metrics } = telemetry
    const http = yield* HttpServer
    const streams = yield* EventStreams
    const eventLog = yield* EventLog
    const bus = yield* EventBus
    const readiness = yield* Readiness
    const config = yield* LiveConfig
    metrics.bind({
      openStreams: streams.count,
      logPositions: () =>
        Effect.runPromise(Effect.all({ oldest: eventLog.oldest, newest: eventLog.newest })).then(
          ({ oldest, newest }) => ({ oldest: position(oldest), newest: position(newest) }),
        ),
      readiness: () => readiness.check(),
    })
    const unsubscribe = bus.subscribe(() => metrics.published())
    const watch = noteWatchStart()
    if (watch.restart !== null) {
      const { changed } = watch.restart
      log.info(
        `restarted by bun --watch: ${changed.length === 0 ? "a watched file changed" : `${changed.join(", ")} changed`}`,
      )
    }
    listened.add(telemetry)
    log.info("listening", { url: http.url, heartbeat_ms: config.current().server.event_stream.heartbeat_ms })
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        unsubscribe()
        watch.stopped()
        const newest = yield* eventLog.newest.pipe(Effect.orElseSucceed(() => null))
        log.info("shutting down: ending streams, stopping the listener, flushing the event log", {
          streams: streams.count(),
          newest_id: newest ?? "none",
          event_log: eventLog.kind,
        })
      }),
    )
  }),
)
