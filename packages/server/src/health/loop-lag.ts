/**
 * Event-loop lag, measured continuously by one cheap timer: each tick notes how late it fired.
 *
 * @module
 */

/** A running lag monitor. */
export interface LoopLagMonitor {
  /**
   * The worst lag in ms over the recent window, including a stall in progress right now (time since
   * the last tick beyond its interval), so a loop that is blocked at this moment is not reported as fine.
   */
  lagMs(): number
  stop(): void
}

/**
 * Starts a monitor. The timer is `unref`'d: it never keeps a process alive.
 *
 * @param intervalMs tick period (default 100 ms)
 * @param windowMs how long a lag spike stays visible (default 2000 ms): a readiness poll that falls
 *   between two blocked stretches still sees the last one.
 * @example
 * ```ts
 * import { startLoopLagMonitor } from "./loop-lag.ts"
 * const monitor = startLoopLagMonitor()
 * setTimeout(() => { console.log(monitor.lagMs()); monitor.stop() }, 500)
 * ```
 */
export const startLoopLagMonitor = (
  intervalMs = 100,
  windowMs = 2000,
  now: () => number = performance.now.bind(performance),
): LoopLagMonitor => {
  const slots = Math.max(1, Math.ceil(windowMs / intervalMs))
  const samples = new Float64Array(slots)
  let index = 0
  let last = now()
  const timer = setInterval(() => {
    const at = now()
    samples[index] = Math.max(0, at - last - intervalMs)
    index = (index + 1) % slots
    last = at
  }, intervalMs)
  timer.unref()
  return {
    lagMs: () => {
      let worst = Math.max(0, now() - last - intervalMs)
      for (const sample of samples) if (sample > worst) worst = sample
      return Math.round(worst)
    },
    stop: () => clearInterval(timer),
  }
}
