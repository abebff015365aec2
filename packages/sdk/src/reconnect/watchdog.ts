/**
 * The stale-connection watchdog: fires when nothing arrived for a while.
 *
 * @module
 */
import type { Clock } from "./clock.ts"

/** A stoppable inactivity timer. */
export interface Watchdog {
  /** Starts (or restarts) watching, counting from now. */
  start(): void
  /** Records activity. Cheap: it stores a time, the timer is not re-armed per call. */
  kick(): void
  /** Stops watching until the next `start()`. */
  stop(): void
  /** Changes the limit (`undefined`: off); a running watchdog applies it at once, counting from the last activity. */
  setTimeoutMs(ms: number | undefined): void
  /** The current limit. */
  timeoutMs(): number | undefined
}

/**
 * Creates a watchdog that calls `onStale` once `timeoutMs` passed without `kick()`.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts"
 *
 * const connection = new AbortController()
 * const watchdog = createWatchdog({ timeoutMs: 25_000, clock: systemClock, onStale: () => connection.abort() })
 * watchdog.start()
 * // on every chunk received:
 * watchdog.kick()
 * ```
 */
export function createWatchdog(options: {
  timeoutMs?: number
  onStale: (idleMs: number) => void
  clock: Clock
}): Watchdog {
  const { onStale, clock } = options
  let limit = checked(options.timeoutMs)
  let running = false
  let lastActivity = 0
  let timer: unknown
  let timerDue = 0

  // Re-arming a timer on every chunk costs a timer allocation per event on a busy stream; instead the
  // timer fires at the earliest possible deadline and, if activity happened since, re-arms for the rest.
  const arm = (delay: number) => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timerDue = clock.now() + delay
    timer = clock.setTimeout(fire, delay)
  }
  const fire = () => {
    timer = undefined
    if (!running || limit === undefined) return
    const idle = clock.now() - lastActivity
    if (idle >= limit) {
      running = false
      onStale(idle)
    } else arm(limit - idle)
  }
  const disarm = () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
  }

  return {
    start() {
      running = true
      lastActivity = clock.now()
      if (limit === undefined) disarm()
      else arm(limit)
    },
    kick() {
      lastActivity = clock.now()
    },
    stop() {
      running = false
      disarm()
    },
    setTimeoutMs(ms) {
      limit = checked(ms)
      if (!running) return
      if (limit === undefined) {
        disarm()
        return
      }
      const remaining = Math.max(0, lastActivity + limit - clock.now())
      // A shorter limit must fire earlier than the armed timer; a longer one is handled by re-arming in `fire`.
      if (timer === undefined || clock.now() + remaining < timerDue) arm(remaining)
    },
    timeoutMs: () => limit,
  }
}

function checked(ms: number | undefined): number | undefined {
  if (ms === undefined) return undefined
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(`staleAfterMs must be a positive finite number of milliseconds, got ${String(ms)}`)
  }
  return ms
}
