/**
 * What the event streams tell the log and the metrics: a stream opened and closed (with its reason,
 * at debug level), a slow-client drop and a resync (at info), and the counters behind them. Called
 * once per connect, disconnect, replayed event or resync: never per delivered event.
 *
 * @module
 */
import type { ServerLog } from "../observability/log.ts"
import type { StreamMetrics } from "../observability/metrics.ts"
import type { Connection } from "./connection.ts"
import type { ReplayObserver } from "./replay.ts"

/** The stream service's telemetry hooks. */
export interface StreamTelemetry {
  readonly opened: (connection: Connection, lastEventId: string | null) => void
  readonly closed: (connection: Connection) => void
  readonly replay: ReplayObserver
}

/**
 * Makes the hooks of one stream service.
 *
 * @example
 * ```ts
 * import { makeTelemetry } from "../observability/telemetry.ts"
 * import { makeStreamTelemetry } from "./stream-telemetry.ts"
 * const { log, metrics } = makeTelemetry()
 * const hooks = makeStreamTelemetry(log, metrics)
 * hooks.replay.resync("0000000000000001", null)
 * ```
 */
export const makeStreamTelemetry = (log: ServerLog, metrics: StreamMetrics): StreamTelemetry => {
  // Numbers streams for the debug lines only; a WeakMap so a forgotten connection holds nothing.
  let next = 0
  const opened = new WeakMap<Connection, { readonly n: number; readonly at: number }>()
  return {
    opened: (connection, lastEventId) => {
      metrics.streamOpened(lastEventId !== null)
      if (!log.enabled("debug")) return
      const n = ++next
      opened.set(connection, { n, at: performance.now() })
      log.debug("stream opened", { stream: n, last_event_id: lastEventId ?? undefined })
    },
    closed: (connection) => {
      const reason = connection.closedBy ?? "client"
      metrics.streamClosed(reason)
      if (!log.enabled("debug")) return
      const seen = opened.get(connection)
      log.debug("stream closed", {
        stream: seen?.n,
        reason,
        last_id: connection.lastId ?? undefined,
        open_ms: seen === undefined ? undefined : Math.round(performance.now() - seen.at),
      })
    },
    replay: {
      replayed: metrics.replayed,
      resync: (requested, oldest) => {
        metrics.resync()
        log.info("resync sent: the requested id is unknown or no longer retained", {
          requested,
          oldest: oldest ?? "none",
        })
      },
    },
  }
}
