/**
 * The in-memory event log: same contract as the SQLite one, nothing survives the process.
 * Used by tests and by the benchmark's "log off" row.
 *
 * @module
 */
import { Effect } from "effect"
import type { EventLogShape, LoggedEvent, ResumePoint } from "./log-shape.ts"
import { compareSequenceIds, formatSequenceId, initialSequence, parseSequenceId } from "./sequence-id.ts"

/** A fresh empty log. */
export const makeMemoryLog = (): EventLogShape => {
  // Events in id order; `head` indexes the oldest retained one so trimming is O(1) amortised.
  let events: LoggedEvent[] = []
  let head = 0
  // A new log for every process: ids start after its creation time, and anything before counts as
  // trimmed, so a client's id from the previous process resyncs (see sequence-id.ts).
  let issued = initialSequence()
  let trimmedThrough = issued

  const retained = () => events.length - head
  const seqAt = (index: number): number => parseSequenceId((events[index] as LoggedEvent).id) as number

  // First index whose seq is greater than `seq` (binary search over the retained range).
  const indexAfter = (seq: number): number => {
    let lo = head
    let hi = events.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (seqAt(mid) <= seq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  return {
    kind: "memory",
    probe: Effect.void,
    append: (event) =>
      Effect.sync(() => {
        issued += 1
        const logged: LoggedEvent = { id: formatSequenceId(issued), ...event }
        events.push(logged)
        return logged
      }),
    resume: (requested) =>
      Effect.sync((): ResumePoint => {
        const seq = parseSequenceId(requested)
        if (seq !== null && seq <= issued && seq >= trimmedThrough)
          return { _tag: "Replay", after: requested }
        return { _tag: "Resync", oldest: retained() > 0 ? (events[head] as LoggedEvent).id : null }
      }),
    readAfter: (after, limit) =>
      Effect.sync(() => {
        const seq = parseSequenceId(after)
        if (seq === null) return []
        const from = indexAfter(seq)
        return events.slice(from, from + limit)
      }),
    // Empty: the position before the next id (see EventLogShape.newest).
    newest: Effect.sync(() =>
      retained() > 0 ? (events[events.length - 1] as LoggedEvent).id : formatSequenceId(trimmedThrough),
    ),
    oldest: Effect.sync(() => (retained() > 0 ? (events[head] as LoggedEvent).id : null)),
    trim: (retain, limit = Number.POSITIVE_INFINITY) =>
      Effect.sync(() => {
        const drop = Math.min(retained() - retain, limit)
        if (drop <= 0) return 0
        head += drop
        trimmedThrough = seqAt(head - 1)
        if (head > 1024 && head * 2 > events.length) {
          events = events.slice(head)
          head = 0
        }
        return drop
      }),
    compare: compareSequenceIds,
  }
}
