/**
 * What one frame's update of the event log costs as the log grows to 100 000 entries: the reducer
 * (`appendEvents`) plus the filtered view (`updateView`), for a burst of 100 events per frame.
 * Run: `bun run bench` in packages/app. Compare the columns: the cost should stay flat as the log grows.
 */
import { appendEvents, emptyEventLog, updateView } from "../src/context/event-log.ts"

const BURST = 100
const CAPACITY = 100_000
let n = 0
const burst = () =>
  Array.from({ length: BURST }, () => ({
    event: {
      id: String(n++).padStart(16, "0"),
      type: n % 10 === 0 ? "server.heartbeat" : "load.tick",
      properties: { n },
      time: 0,
    },
    receivedAt: 0,
  }))

let log = emptyEventLog(CAPACITY)
const filter = { type: "", hideHeartbeats: true }
let view = updateView(undefined, log, filter)
const rows: string[] = []
for (const size of [1_000, 10_000, 50_000, 100_000, 200_000]) {
  while (log.total < size - 100 * BURST) {
    log = appendEvents(log, burst())
    view = updateView(view, log, filter)
  }
  const started = performance.now()
  for (let i = 0; i < 100; i++) {
    log = appendEvents(log, burst())
    view = updateView(view, log, filter)
  }
  const perFrame = (performance.now() - started) / 100
  rows.push(
    `${String(log.total).padStart(7)} received  ${String(log.entries.length).padStart(7)} kept  ${perFrame.toFixed(3)} ms/frame`,
  )
}
console.log(`event log: append ${BURST} events + update the filtered view, per frame`)
for (const row of rows) console.log(row)
