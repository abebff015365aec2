/**
 * A ticking `now` signal for ages and countdowns ("3 s ago", "reconnecting in 2 s").
 *
 * @module
 */
import { type Accessor, createSignal, onCleanup } from "solid-js"

/**
 * `Date.now()` as a signal that updates every `intervalMs` until the owner is cleaned up.
 *
 * @example
 * const now = createNow(250)
 * const age = () => now() - lastSeen
 */
export const createNow = (intervalMs = 250, clock: () => number = Date.now): Accessor<number> => {
  const [now, setNow] = createSignal(clock())
  const timer = setInterval(() => setNow(clock()), intervalMs)
  onCleanup(() => clearInterval(timer))
  return now
}
