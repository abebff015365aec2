import type { Clock } from "../../src/reconnect/clock.ts"

interface Timer {
  at: number
  delay: number
  callback: () => void
}

/** A clock whose time moves only when the test says so. Timers fire in order during `advance`. */
export interface FakeClock extends Clock {
  advance(ms: number): void
  /** Delays of the timers still pending, in the order they were set. */
  pendingDelays(): number[]
  /** Every delay ever passed to setTimeout, in order. */
  readonly scheduled: number[]
}

export function createFakeClock(start = 1_700_000_000_000): FakeClock {
  let now = start
  let nextId = 1
  const timers = new Map<number, Timer>()
  const scheduled: number[] = []
  return {
    scheduled,
    now: () => now,
    setTimeout(callback, delay) {
      const id = nextId++
      timers.set(id, { at: now + delay, delay, callback })
      scheduled.push(delay)
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    advance(ms) {
      const target = now + ms
      for (;;) {
        let dueId: number | undefined
        let due: Timer | undefined
        for (const [id, timer] of timers) {
          if (timer.at <= target && (due === undefined || timer.at < due.at)) {
            due = timer
            dueId = id
          }
        }
        if (due === undefined || dueId === undefined) break
        timers.delete(dueId)
        now = due.at
        due.callback()
      }
      now = target
    },
    pendingDelays: () => [...timers.values()].map((timer) => timer.delay),
  }
}
