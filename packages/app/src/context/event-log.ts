/**
 * The event log as pure data: what the app keeps of the stream, and the functions that fold a batch
 * of events into it. No Solid, no DOM, no clock: the provider owns those and calls these.
 *
 * @module
 */
import type { EventEnvelope } from "@tether/core/browser"

/** Any event the stream carries, built-in or published; its properties are read by type, never trusted. */
export type StreamEvent = EventEnvelope<string, unknown>

/** One received event, as the log keeps it. */
export interface LogEntry {
  /** Position in receive order, unique for the page's lifetime: a stable key even for ephemeral events. */
  readonly seq: number
  /** When this page received it (ms epoch), as opposed to `event.time`, when the server accepted it. */
  readonly receivedAt: number
  readonly event: StreamEvent
}

/** The bounded log: the newest `capacity` entries plus counters that stay true past the cap. */
export interface EventLogState {
  readonly capacity: number
  /** Oldest first. */
  readonly entries: readonly LogEntry[]
  /** Every event ever appended (dropped-by-cap ones included, duplicates excluded). */
  readonly total: number
  /** Entries dropped from the front because the log was full. */
  readonly evicted: number
  /** Durable events received again with an id the log already holds: kept out, but counted, never hidden. */
  readonly duplicates: number
  /** How many events of each type were received. */
  readonly countsByType: Readonly<Record<string, number>>
  /** Durable ids currently in `entries`, for duplicate detection. */
  readonly ids: ReadonlySet<string>
  readonly nextSeq: number
}

/** One event with the time this page received it. */
export interface Received {
  readonly event: StreamEvent
  readonly receivedAt: number
}

/** Default capacity: enough for a long session, small enough that a filter over it stays under a frame. */
export const DEFAULT_LOG_CAPACITY = 100_000

/**
 * An empty log.
 *
 * @example
 * const event = { id: "1", type: "a", properties: {}, time: 0 }
 * const log = appendEvents(emptyEventLog(3), [{ event, receivedAt: Date.now() }])
 * log.entries.length // 1
 */
export const emptyEventLog = (capacity: number = DEFAULT_LOG_CAPACITY): EventLogState => {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`event log capacity must be a positive integer, got ${String(capacity)}`)
  }
  return {
    capacity,
    entries: [],
    total: 0,
    evicted: 0,
    duplicates: 0,
    countsByType: {},
    ids: new Set(),
    nextSeq: 0,
  }
}

/**
 * Folds one batch of events (in receive order) into the log. Returns the same state object when the
 * batch is empty, so a memo over it does not fire for nothing.
 *
 * A durable id seen again is counted in `duplicates` and not appended: the SDK resumes with
 * `Last-Event-ID`, so a duplicate means a bug upstream, and the panel shows the count instead of a
 * doubled row. Ephemeral events (id `""`) are never duplicates.
 */
export const appendEvents = (state: EventLogState, batch: readonly Received[]): EventLogState => {
  if (batch.length === 0) return state
  // One copy of the set and of the array per batch, not per event: a burst of n events costs O(n + size).
  const ids = new Set(state.ids)
  const counts: Record<string, number> = { ...state.countsByType }
  const added: LogEntry[] = []
  let duplicates = state.duplicates
  let seq = state.nextSeq
  for (const { event, receivedAt } of batch) {
    if (event.id !== "") {
      if (ids.has(event.id)) {
        duplicates++
        continue
      }
      ids.add(event.id)
    }
    counts[event.type] = (counts[event.type] ?? 0) + 1
    added.push({ seq: seq++, receivedAt, event })
  }
  let entries = added.length === 0 ? state.entries : state.entries.concat(added)
  let evicted = state.evicted
  const overflow = entries.length - state.capacity
  if (overflow > 0) {
    for (let i = 0; i < overflow; i++) {
      const id = (entries[i] as LogEntry).event.id
      if (id !== "") ids.delete(id)
    }
    entries = entries.slice(overflow)
    evicted += overflow
  }
  return {
    capacity: state.capacity,
    entries,
    total: state.total + added.length,
    evicted,
    duplicates,
    countsByType: counts,
    ids,
    nextSeq: seq,
  }
}

/** A view filter over the log. */
export interface LogFilter {
  /** Case-insensitive substring of the event type; empty matches all. */
  readonly type: string
  /** Leave `server.heartbeat` out (the timeline plot shows them better). */
  readonly hideHeartbeats: boolean
}

/** The entries a filter keeps, oldest first. Returns `entries` itself when nothing is filtered out. */
export const filterEntries = (entries: readonly LogEntry[], filter: LogFilter): readonly LogEntry[] => {
  const needle = filter.type.trim().toLowerCase()
  if (needle === "" && !filter.hideHeartbeats) return entries
  return entries.filter((entry) => {
    const type = entry.event.type
    if (filter.hideHeartbeats && type === "server.heartbeat") return false
    return needle === "" || type.toLowerCase().includes(needle)
  })
}

/** The types seen so far, most frequent first: the filter's suggestions. */
export const knownTypes = (state: EventLogState): string[] =>
  Object.entries(state.countsByType)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type]) => type)
