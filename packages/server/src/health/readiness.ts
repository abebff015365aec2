/**
 * Readiness: whether this server can do its work now, not merely answer HTTP.
 * `GET /global/health/ready` runs three checks and answers 200 when all pass, 503 otherwise:
 *
 * - `bus`: a probe goes through the bus's fan-out and comes back to an internal subscriber within
 *   the deadline. The probe is never broadcast to clients (see {@link ReadinessPorts.busRoundTrip}).
 * - `event_loop_lag_ms`: the worst recent event-loop lag (a cheap continuous timer) is under the threshold.
 * - `store`: the event log accepts a write within the deadline.
 *
 * Body: `{"ready":bool,"checks":{"bus":{"ok","ms"},"event_loop_lag_ms":{"ok","value","threshold_ms"},"store":{"ok","ms"}}}`;
 * a failed check adds `"error"` naming what went wrong and its figure.
 *
 * Concurrent requests share one run (a supervisor polling every 200 ms never stacks probes on a
 * wedged server), and each run ends by its deadline whatever the ports do.
 *
 * @module
 */

/** What the checks exercise; the server wires them to its real bus, log and lag monitor. */
export interface ReadinessPorts {
  /**
   * Sends a probe through the bus and resolves when an internal subscriber received it. A stalled bus
   * never resolves; `signal` aborts at the deadline so the port can drop its waiter.
   */
  readonly busRoundTrip: (signal: AbortSignal) => Promise<void>
  /** Performs one real write to the event log's store. */
  readonly storeWrite: (signal: AbortSignal) => Promise<void>
  /** The worst recent event-loop lag in ms. */
  readonly lagMs: () => number
}

/** How long the bus round trip and the store write may take by default, in ms. */
export const DEFAULT_READY_DEADLINE_MS = 1000

/** Limits of the checks. */
export interface ReadinessOptions {
  /** How long the bus round trip and the store write may take, in ms. Default 1000. */
  readonly deadlineMs?: number
  /** Event-loop lag above which the server is not ready, in ms. Default 500. */
  readonly lagThresholdMs?: number
}

/** A timed check's outcome. */
export interface TimedCheck {
  readonly ok: boolean
  readonly ms: number
  readonly error?: string
}

/** The lag check's outcome. */
export interface LagCheck {
  readonly ok: boolean
  readonly value: number
  readonly threshold_ms: number
  readonly error?: string
}

/** The body of `GET /global/health/ready`. */
export interface ReadinessReport {
  readonly ready: boolean
  readonly checks: {
    readonly bus: TimedCheck
    readonly event_loop_lag_ms: LagCheck
    readonly store: TimedCheck
  }
}

/** The readiness checker of one server. */
export interface ReadinessChecker {
  /** Runs the checks (or joins the run in progress). Never rejects; settles by the deadline. */
  check(): Promise<ReadinessReport>
}

/**
 * Builds the checker.
 *
 * @example
 * ```ts
 * import { makeReadiness, readinessResponse } from "./readiness.ts"
 * const readiness = makeReadiness({
 *   busRoundTrip: async () => {},
 *   storeWrite: async () => {},
 *   lagMs: () => 0,
 * })
 * readiness.check().then((report) => console.log(readinessResponse(report).status)) // 200
 * ```
 */
export const makeReadiness = (ports: ReadinessPorts, options: ReadinessOptions = {}): ReadinessChecker => {
  const deadlineMs = options.deadlineMs ?? DEFAULT_READY_DEADLINE_MS
  const threshold = options.lagThresholdMs ?? 500
  let running: Promise<ReadinessReport> | undefined
  const run = async (): Promise<ReadinessReport> => {
    const [bus, store] = await Promise.all([
      timed(ports.busRoundTrip, deadlineMs, "no probe came back through the bus"),
      timed(ports.storeWrite, deadlineMs, "the event log did not accept a write"),
    ])
    // Read after the timed checks: a loop blocked during them shows here too.
    const value = ports.lagMs()
    const lag: LagCheck =
      value <= threshold
        ? { ok: true, value, threshold_ms: threshold }
        : {
            ok: false,
            value,
            threshold_ms: threshold,
            error: `event loop lag ${value} ms is over ${threshold} ms`,
          }
    return { ready: bus.ok && store.ok && lag.ok, checks: { bus, event_loop_lag_ms: lag, store } }
  }
  return {
    check: () => {
      running ??= run().finally(() => {
        running = undefined
      })
      return running
    },
  }
}

/** The HTTP answer: 200 when ready, 503 when not; never cached. */
export const readinessResponse = (report: ReadinessReport): Response =>
  Response.json(report, { status: report.ready ? 200 : 503, headers: { "Cache-Control": "no-store" } })

const timed = async (
  port: (signal: AbortSignal) => Promise<void>,
  deadlineMs: number,
  what: string,
): Promise<TimedCheck> => {
  const started = performance.now()
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), deadlineMs)
  })
  try {
    const outcome = await Promise.race([port(controller.signal).then(() => "done" as const), deadline])
    const ms = Math.round(performance.now() - started)
    if (outcome === "deadline") return { ok: false, ms, error: `${what} within ${deadlineMs} ms` }
    // A loop blocked past the deadline delays the timer too: judge by the clock, not by who won.
    if (ms > deadlineMs) return { ok: false, ms, error: `${what} within ${deadlineMs} ms (took ${ms} ms)` }
    return { ok: true, ms }
  } catch (error) {
    const ms = Math.round(performance.now() - started)
    return { ok: false, ms, error: `${what}: ${error instanceof Error ? error.message : String(error)}` }
  } finally {
    clearTimeout(timer)
    controller.abort()
  }
}
