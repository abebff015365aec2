/**
 * The time source and timers the reconnect machinery uses, injectable so tests drive time instead of sleeping.
 *
 * @module
 */

/** A time source with timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/**
 * The longest delay platform timers honour (2^31 - 1 ms, about 24.8 days). Browsers, Node and Bun run a
 * longer one after 1 ms, which would turn a large `capMs` into a retry storm and a large `staleAfterMs`
 * into a busy timer loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** A timer longer than the platform allows: a chain of shorter ones. */
class LongTimer {
  current: ReturnType<typeof setTimeout>
  constructor(callback: () => void, ms: number) {
    const step = (remaining: number): ReturnType<typeof setTimeout> =>
      remaining > MAX_TIMER_MS
        ? globalThis.setTimeout(() => {
            this.current = step(remaining - MAX_TIMER_MS)
          }, MAX_TIMER_MS)
        : globalThis.setTimeout(callback, remaining)
    this.current = step(ms)
  }
}

/** `Date.now` and the platform's timers (delays past {@link MAX_TIMER_MS} included). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) =>
    ms > MAX_TIMER_MS ? new LongTimer(callback, ms) : globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) =>
    globalThis.clearTimeout(
      (handle instanceof LongTimer ? handle.current : handle) as ReturnType<typeof setTimeout>,
    ),
}
