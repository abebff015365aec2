/**
 * The server's Prometheus metrics, made with `prom-client` (one `Registry` per server, so several
 * servers in one process never mix their counts) and served by `GET /global/metrics`.
 *
 * Cheap on the hot path: nothing here runs per byte or per connection. The fan-out adds a plain
 * number per connection in its own loop and reports once per turn ({@link StreamMetrics.fannedOut}:
 * one counter add, one histogram observation per event); every other hook runs once per publish,
 * connect, disconnect, replayed event or heartbeat tick. Gauges that describe state (open streams,
 * the log's positions, readiness, lag) are read only when scraped ({@link ServerMetrics.render}).
 *
 * The names are listed, with what each means, in the package README ("Metrics").
 *
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client"

/** The hooks the stream, log and HTTP code call. Each is a few additions. */
export interface StreamMetrics {
  /** A stream was opened (`resume`: it asked for a `Last-Event-ID`). */
  readonly streamOpened: (resume: boolean) => void
  /** A stream ended; `reason` is the connection's close reason (`client`, `slow`, `shutdown`, `resume`, `error`). */
  readonly streamClosed: (reason: string) => void
  /** `GET /global/event` was answered with an error (`auth` 401, `forbidden` 403, `unavailable` 503). */
  readonly streamRefused: (reason: string) => void
  /**
   * One fan-out turn: `deliveries` event×stream handovers, and for each event of the turn the
   * `performance.now()` at which it reached the fan-out (read against `now`, the end of the writes).
   */
  readonly fannedOut: (deliveries: number, queuedAt: readonly number[], now: number) => void
  /** A heartbeat tick sent to `streams` streams. */
  readonly heartbeat: (streams: number) => void
  /** A retained event was replayed to a resuming client. */
  readonly replayed: () => void
  /** A `server.resync` was sent. */
  readonly resync: () => void
  /** An event was stored and handed to the fan-out. */
  readonly published: () => void
  /** One event-log append took `seconds`. */
  readonly appended: (seconds: number) => void
  /** An event-log operation failed. */
  readonly logError: (operation: string) => void
}

/**
 * What a scrape reads of a readiness run. `health/readiness.ts`'s report has these figures; they are
 * declared here so that the metrics, which every layer reports to, import nothing from a layer above.
 */
export interface ReadinessFigures {
  readonly ready: boolean
  readonly checks: {
    readonly bus: { readonly ok: boolean; readonly ms: number }
    readonly store: { readonly ok: boolean; readonly ms: number }
    readonly event_loop_lag_ms: { readonly ok: boolean; readonly value: number }
  }
}

/** What the scrape reads from the running server. */
export interface MetricSources {
  readonly openStreams: () => number
  /** The log's oldest and newest positions as numbers in text (the Redis log's: its sequence); others are skipped. */
  readonly logPositions: () => Promise<{ oldest: string | null; newest: string | null }>
  readonly readiness: () => Promise<ReadinessFigures>
}

/** A server's metrics. */
export interface ServerMetrics extends StreamMetrics {
  /** This server's own metrics (the process collectors are added at render). */
  readonly registry: Registry
  /** Connects the scrape-time gauges to a running server (once, when it has started). */
  readonly bind: (sources: MetricSources) => void
  /** The exposition text, gauges refreshed first. */
  readonly render: () => Promise<string>
  /** The exposition's `Content-Type`. */
  readonly contentType: string
}

/** Close reasons known in advance, exported at 0 from the start so a rate() has a baseline. */
export const CLOSE_REASONS = ["client", "slow", "shutdown", "resume", "error"] as const

/** Refusal reasons of `GET /global/event`, by status. */
export const REFUSAL_REASONS = ["auth", "forbidden", "unavailable", "other"] as const

// Sub-millisecond to seconds: a fan-out to 10 000 streams takes a few ms; a stalled one, seconds.
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

// Default collectors left out. prom-client exports the `nodejs_active_*` gauges twice, once with a
// `_total` suffix that `promtool check metrics` rejects for a gauge (the plain ones are kept). The heap
// space gauges call `v8.getHeapSpaceStatistics()`, which under Bun walks the heap: 40 ms per scrape
// with 1000 streams open, a stall every subscriber would feel; `nodejs_heap_size_*_bytes` stay.
// `process_open_fds` lists /proc/self/fd: 1 ms per 1000 open streams, every scrape
// (`tether_streams_open` counts the sockets that matter).
const LEFT_OUT_DEFAULTS = [
  "process_open_fds",
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
]

/**
 * Makes a server's metrics; its exposition also carries the library's default process and runtime
 * collectors (one set per process).
 *
 * @example
 * ```ts
 * import { makeMetrics } from "./metrics.ts"
 *
 * const metrics = makeMetrics({ version: "0.1.0", eventLog: "memory" })
 * metrics.published()
 * metrics.render().then((text) => console.log(text.includes("tether_events_published_total 1")))
 * ```
 */
export const makeMetrics = (info: { version: string; eventLog: string }): ServerMetrics => {
  const registry = new Registry()
  const registers = [registry]
  // Started with the first server, so the first scrape's event-loop and GC figures cover its run.
  processRegistry()

  new Gauge({
    name: "tether_info",
    help: "Always 1; the labels say which version and event-log backend run.",
    labelNames: ["version", "event_log"],
    registers,
  }).set({ version: info.version, event_log: info.eventLog }, 1)

  const openStreams = new Gauge({ name: "tether_streams_open", help: "Open event streams.", registers })
  const connects = new Counter({
    name: "tether_stream_connects_total",
    help: "Event streams opened, by whether the client resumed (each ends in one disconnect; one whose log cannot be read ends at once and is answered 503).",
    labelNames: ["resume"],
    registers,
  })
  const disconnects = new Counter({
    name: "tether_stream_disconnects_total",
    help: "Event streams ended, by reason: client (it went away), slow (dropped over max_buffered_bytes), shutdown, resume (ended so the client resumes: the event log lost its place), error.",
    labelNames: ["reason"],
    registers,
  })
  const refusals = new Counter({
    name: "tether_stream_refusals_total",
    help: "GET /global/event answered with an error instead of a stream: auth (401), forbidden (403), unavailable (503), other.",
    labelNames: ["reason"],
    registers,
  })
  const slowDrops = new Counter({
    name: "tether_slow_client_drops_total",
    help: "Streams dropped because their unsent bytes passed server.event_stream.max_buffered_bytes.",
    registers,
  })
  const published = new Counter({
    name: "tether_events_published_total",
    help: "Durable events stored and handed to the fan-out.",
    registers,
  })
  const delivered = new Counter({
    name: "tether_events_delivered_total",
    help: "Live durable events handed to streams by the fan-out (one per event per stream).",
    registers,
  })
  const replayed = new Counter({
    name: "tether_events_replayed_total",
    help: "Retained events replayed to resuming clients (one per event per stream).",
    registers,
  })
  const resyncs = new Counter({
    name: "tether_stream_resyncs_total",
    help: "server.resync frames sent (a client's Last-Event-ID was unknown or no longer retained).",
    registers,
  })
  const heartbeats = new Counter({
    name: "tether_heartbeats_sent_total",
    help: "server.heartbeat frames sent (one per tick per started stream).",
    registers,
  })
  const heartbeatTicks = new Counter({
    name: "tether_heartbeat_ticks_total",
    help: "Heartbeat ticks (each sends one frame to every started stream).",
    registers,
  })
  const deliveryLatency = new Histogram({
    name: "tether_publish_delivery_seconds",
    help: "From an event reaching the fan-out (stored) to its frame handed to every open stream.",
    buckets: LATENCY_BUCKETS,
    registers,
  })
  const appendLatency = new Histogram({
    name: "tether_event_log_append_seconds",
    help: "How long one event-log append (the durable write before the 202) took.",
    buckets: LATENCY_BUCKETS,
    registers,
  })
  const logErrors = new Counter({
    name: "tether_event_log_errors_total",
    help: "Event-log operations that failed, by operation.",
    labelNames: ["operation"],
    registers,
  })
  const retained = new Gauge({
    name: "tether_event_log_retained_events",
    help: "Events in the log (replayable).",
    registers,
  })
  const oldest = new Gauge({
    name: "tether_event_log_oldest_id",
    help: "The oldest retained event's position: its id in the embedded logs, its sequence in Redis.",
    registers,
  })
  const newest = new Gauge({
    name: "tether_event_log_newest_id",
    help: "The newest event's position (id, or sequence in Redis), or the position before the next one.",
    registers,
  })
  const ready = new Gauge({
    name: "tether_ready",
    help: "1 when GET /global/health/ready would answer 200, else 0.",
    registers,
  })
  const checkOk = new Gauge({
    name: "tether_readiness_check_ok",
    help: "1 when the readiness check passes, else 0.",
    labelNames: ["check"],
    registers,
  })
  const checkSeconds = new Gauge({
    name: "tether_readiness_check_seconds",
    help: "How long the readiness check took.",
    labelNames: ["check"],
    registers,
  })
  const loopLag = new Gauge({
    name: "tether_event_loop_lag_seconds",
    help: "The worst event-loop lag over the last 2 s (readiness's monitor).",
    registers,
  })

  // Children resolved once per label value: inc() on a child skips the label hashing.
  for (const reason of CLOSE_REASONS) disconnects.labels(reason).inc(0)
  for (const reason of REFUSAL_REASONS) refusals.labels(reason).inc(0)
  for (const resume of ["true", "false"]) connects.labels(resume).inc(0)
  for (const operation of ["append", "read", "trim"]) logErrors.labels(operation).inc(0)
  const connectsNew = connects.labels("false")
  const connectsResume = connects.labels("true")
  const children = new Map<Counter<string>, Map<string, Counter.Internal>>()
  const child = (counter: Counter<string>, value: string): Counter.Internal => {
    let byValue = children.get(counter)
    if (byValue === undefined) {
      byValue = new Map()
      children.set(counter, byValue)
    }
    let found = byValue.get(value)
    if (found === undefined) {
      found = counter.labels(value)
      byValue.set(value, found)
    }
    return found
  }

  let sources: MetricSources | null = null

  const refresh = async (): Promise<void> => {
    if (sources === null) return
    openStreams.set(sources.openStreams())
    const [positions, report] = await Promise.all([
      sources.logPositions().catch(() => null),
      sources.readiness(),
    ])
    if (positions !== null) {
      const first = numericId(positions.oldest)
      const last = numericId(positions.newest)
      if (last !== null) newest.set(last)
      if (first !== null) oldest.set(first)
      // The embedded logs trim oldest first and never delete in between: every id from the oldest
      // to the newest is there.
      if (positions.oldest === null) retained.set(0)
      else if (first !== null && last !== null) retained.set(last - first + 1)
    }
    const { bus, store, event_loop_lag_ms: lag } = report.checks
    ready.set(report.ready ? 1 : 0)
    checkOk.set({ check: "bus" }, bus.ok ? 1 : 0)
    checkOk.set({ check: "store" }, store.ok ? 1 : 0)
    checkOk.set({ check: "event_loop_lag" }, lag.ok ? 1 : 0)
    checkSeconds.set({ check: "bus" }, bus.ms / 1000)
    checkSeconds.set({ check: "store" }, store.ms / 1000)
    loopLag.set(lag.value / 1000)
  }

  return {
    registry,
    contentType: registry.contentType,
    bind: (bound) => {
      sources = bound
    },
    render: async () => {
      await refresh()
      return `${await registry.metrics()}${await processRegistry().metrics()}`
    },
    streamOpened: (resume) => (resume ? connectsResume : connectsNew).inc(),
    streamClosed: (reason) => {
      child(disconnects, reason).inc()
      if (reason === "slow") slowDrops.inc()
    },
    streamRefused: (reason) => child(refusals, reason).inc(),
    fannedOut: (deliveries, queuedAt, now) => {
      if (deliveries > 0) delivered.inc(deliveries)
      for (const at of queuedAt) deliveryLatency.observe((now - at) / 1000)
    },
    heartbeat: (streams) => {
      heartbeatTicks.inc()
      if (streams > 0) heartbeats.inc(streams)
    },
    replayed: () => replayed.inc(),
    resync: () => resyncs.inc(),
    published: () => published.inc(),
    appended: (seconds) => appendLatency.observe(seconds),
    logError: (operation) => child(logErrors, operation).inc(),
  }
}

// The default collectors describe the process, not a server, and cannot be stopped once started (an
// event-loop delay monitor, a GC observer): one registry of them per process, shared by its servers.
let processMetrics: Registry | null = null
const processRegistry = (): Registry => {
  if (processMetrics === null) {
    processMetrics = new Registry()
    collectDefaultMetrics({ register: processMetrics })
    for (const name of LEFT_OUT_DEFAULTS) processMetrics.removeSingleMetric(name)
  }
  return processMetrics
}

const numericId = (id: string | null): number | null => {
  if (id === null || !/^\d{1,16}$/.test(id)) return null
  const value = Number(id)
  return Number.isSafeInteger(value) ? value : null
}
