/**
 * Preloaded into a benchmarked server (`bun --preload`): samples that process's own event-loop lag,
 * so a suite can report what the server itself suffered rather than what a busy client observed.
 * Every 10 ms a timer notes how late it fired; every 250 ms the samples are appended to the file named
 * by `TETHER_BENCH_LAG_FILE` as lines `<epoch ms> <lag ms> <CPU ms used since the last tick>` (a
 * small synchronous write, itself part of what is measured). Does nothing when the variable is unset.
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
  let lastCpu = process.cpuUsage()
  const tick = setInterval(() => {
    const now = performance.now()
    // Third column: CPU ms this process used since the last tick. A late tick with little CPU used
    // means the process was waiting for a core (other work on the machine), not running.
    const cpu = process.cpuUsage(lastCpu)
    lastCpu = process.cpuUsage()
    const at = Math.round(performance.timeOrigin + now)
    const lag = Math.max(0, now - last - LAG_TICK_MS).toFixed(2)
    lines.push(`${at} ${lag} ${((cpu.user + cpu.system) / 1000).toFixed(1)}`)
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
