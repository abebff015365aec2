import { describe, expect, test } from "bun:test"
import { createFakeClock } from "../../test/helpers/fake-clock.ts"
import { createWatchdog } from "./watchdog.ts"

describe("createWatchdog", () => {
  test("fires once after timeoutMs without activity", () => {
    const clock = createFakeClock()
    const fired: number[] = []
    const watchdog = createWatchdog({ clock, timeoutMs: 1000, onStale: (idle) => fired.push(idle) })
    watchdog.start()
    clock.advance(999)
    expect(fired).toEqual([])
    clock.advance(1)
    expect(fired).toEqual([1000])
    clock.advance(10_000)
    expect(fired).toHaveLength(1)
  })

  test("kicks postpone it; the timer is not re-armed per kick", () => {
    const clock = createFakeClock()
    let fired = 0
    const watchdog = createWatchdog({ clock, timeoutMs: 1000, onStale: () => fired++ })
    watchdog.start()
    for (let i = 0; i < 50; i++) {
      clock.advance(100)
      watchdog.kick()
    }
    expect(fired).toBe(0)
    // 50 kicks, yet only a few timers: one per elapsed period.
    expect(clock.scheduled.length).toBeLessThanOrEqual(7)
    clock.advance(999)
    expect(fired).toBe(0)
    clock.advance(1)
    expect(fired).toBe(1)
  })

  test("stop() prevents firing; start() counts from now", () => {
    const clock = createFakeClock()
    let fired = 0
    const watchdog = createWatchdog({ clock, timeoutMs: 1000, onStale: () => fired++ })
    watchdog.start()
    clock.advance(500)
    watchdog.stop()
    clock.advance(5000)
    expect(fired).toBe(0)
    watchdog.start()
    clock.advance(999)
    expect(fired).toBe(0)
    clock.advance(1)
    expect(fired).toBe(1)
  })

  test("setTimeoutMs applies at once: shorter fires earlier, undefined turns it off", () => {
    const clock = createFakeClock()
    let fired = 0
    const watchdog = createWatchdog({ clock, timeoutMs: 10_000, onStale: () => fired++ })
    watchdog.start()
    clock.advance(1000)
    watchdog.setTimeoutMs(1500)
    clock.advance(499)
    expect(fired).toBe(0)
    clock.advance(1)
    expect(fired).toBe(1)

    watchdog.start()
    watchdog.setTimeoutMs(undefined)
    clock.advance(100_000)
    expect(fired).toBe(1)
    watchdog.setTimeoutMs(2000)
    clock.advance(2000)
    expect(fired).toBe(2)
  })

  test("a longer limit set while running is honoured", () => {
    const clock = createFakeClock()
    let fired = 0
    const watchdog = createWatchdog({ clock, timeoutMs: 1000, onStale: () => fired++ })
    watchdog.start()
    watchdog.setTimeoutMs(5000)
    clock.advance(4999)
    expect(fired).toBe(0)
    clock.advance(1)
    expect(fired).toBe(1)
  })

  test("without a limit it never fires", () => {
    const clock = createFakeClock()
    let fired = 0
    const watchdog = createWatchdog({ clock, onStale: () => fired++ })
    watchdog.start()
    clock.advance(1_000_000)
    expect(fired).toBe(0)
    expect(clock.pendingDelays()).toEqual([])
  })

  test("rejects a limit that is not a positive number", () => {
    const clock = createFakeClock()
    expect(() => createWatchdog({ clock, timeoutMs: 0, onStale: () => {} })).toThrow("staleAfterMs")
    expect(() => createWatchdog({ clock, timeoutMs: Number.NaN, onStale: () => {} })).toThrow("staleAfterMs")
  })
})
