import { describe, expect, test } from "bun:test"
import { MAX_TIMER_MS, systemClock } from "./clock.ts"

describe("systemClock", () => {
  test("a delay past the 32-bit timer limit does not fire at once, and clearTimeout cancels it", async () => {
    let fired = 0
    const long = systemClock.setTimeout(() => fired++, MAX_TIMER_MS + 1000)
    // Platforms turn such a delay into 1 ms; 100 ms is plenty to see that.
    await Bun.sleep(100)
    expect(fired).toBe(0)
    systemClock.clearTimeout(long)
  })

  test("a delay within the limit fires, and clearTimeout cancels one", async () => {
    const order: string[] = []
    const cancelled = systemClock.setTimeout(() => order.push("cancelled"), 5)
    // Timers fire in due order: once the later one fired, the cancelled earlier one would have too.
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        order.push("fired")
        resolve()
      }, 10)
      systemClock.clearTimeout(cancelled)
    })
    expect(order).toEqual(["fired"])
  })
})
