/**
 * Preloaded into a benchmarked server (`bun --preload`): samples that process's own event-loop lag,
 * so a suite can report what the server itself suffered rather than what a busy client observed.
 * Every 10 ms a timer notes how late it fired; every 250 ms the samples are appended to the file named
 * by `TETHER_BENCH_LAG_FILE` as lines `<epoch ms> <lag ms>` (a small synchronous write, itself part
 * of what is measured). Does nothing when the variable is unset.
 *
 * @module
 */
import { appendFileSync } from "node:fs"

/** The interval of the lag timer, in ms. */
export const LAG_TICK_MS = 10

const file = process.env.TETHER_BENCH_LAG_FILE
if (file !== undefined && file !== "") {
  let lines: string[] = []
  let last = performance.now()
  const tick = setInterval(() => {
    const now = performance.now()
    lines.push(
      `${Math.round(performance.timeOrigin + now)} ${Math.max(0, now - last - LAG_TICK_MS).toFixed(2)}`,
    )
    last = now
  }, LAG_TICK_MS)
  const flush = setInterval(() => {
    if (lines.length === 0) return
    appendFileSync(file, `${lines.join("\n")}\n`)
    lines = []
  }, 250)
  tick.unref()
  flush.unref()
}
