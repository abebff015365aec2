/**
 * The event log as pure data: what the app keeps of the stream, the function that folds a batch of
 * events into it, and the filtered view the log component shows. No Solid, no DOM, no clock: the
 * provider owns those and calls these.
 *
 * Every update returns a new state and leaves the old one valid, yet costs O(batch + n/1024), not
 * O(n): entries live in a chunked list (see `chunked-list.ts`) and durable ids in generations of at
 * most 1024, so only the newest chunk and generation are copied. That keeps a log of 100 000 events
 * well inside a frame while a burst arrives.
 *
 * @module
 */
import type { TetherEvent } from "@tether/core/wire"
import { at, type ChunkedList, dropFront, emptyList, lowerBound, pushAll } from "./chunked-list.ts"

/** One received event, as the log keeps it. */
export interface LogEntry {
  /** Position in receive order, unique for the page's lifetime: a stable key even for ephemeral events. */
  readonly seq: number
  /** When this page received it (ms epoch), as opposed to `event.time`, when the server accepted it. */
  readonly receivedAt: number
  readonly event: TetherEvent
}

/** Durable ids received in one stretch of the log; dropped once all of its entries are evicted. */
interface IdGeneration {
  readonly ids: ReadonlySet<string>
  /** The seq of the newest entry whose id is in this generation. */
  readonly lastSeq: number
}

/** The bounded log: the newest `capacity` entries plus counters that stay true past the cap. */
export interface EventLogState {
  readonly capacity: number
  /** Oldest first. */
  readonly entries: ChunkedList<LogEntry>
  /** Every event ever appended (evicted ones included, duplicates excluded). */
  readonly total: number
  /** Entries dropped from the front because the log was full. */
  readonly evicted: number
  /** Durable events received again with an id already received: kept out, but counted, never hidden. */
  readonly duplicates: number
  /** How many events of each type were received, for the first `MAX_TRACKED_TYPES` types seen. */
  readonly countsByType: Readonly<Record<string, number>>
  /** Events whose type came after the table was full (a stream with a new type per event stays cheap). */
  readonly untrackedTypeEvents: number
  readonly seen: readonly IdGeneration[]
  readonly nextSeq: number
}

/** One event with the time this page received it. */
export interface Received {
  readonly event: TetherEvent
  readonly receivedAt: number
}

/** Default capacity: enough for a long session; updates cost the same at any size. */
export const DEFAULT_LOG_CAPACITY = 100_000

/**
 * Types counted one by one. The table is copied on every update, so it must stay small even when every
 * event has a type of its own (`job.<uuid>`); later types are counted together in `untrackedTypeEvents`.
 */
export const MAX_TRACKED_TYPES = 1000

/** Durable ids per generation: the newest one is copied per update, older ones are shared. */
export const ID_GENERATION = 4096

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
    entries: emptyList(),
    total: 0,
    evicted: 0,
    duplicates: 0,
    countsByType: Object.create(null),
    untrackedTypeEvents: 0,
    seen: [],
    nextSeq: 0,
  }
}

/**
 * Folds one batch of events (in receive order) into the log. Returns the same state object when the
 * batch is empty, so a memo over it does not fire for nothing.
 *
 * A durable id received again is counted in `duplicates` and not appended: the SDK resumes with
 * `Last-Event-ID`, so a duplicate means a bug upstream, and the panel shows the count instead of a
 * doubled row. Ids are remembered a little past eviction (until their whole generation is evicted),
 * so an old event sent again still counts as a duplicate. Ephemeral events (id `""`) are never duplicates.
 * A `server.resync` forgets the ids seen before it: the server's log may be a new one whose ids start over.
 */
export const appendEvents = (state: EventLogState, batch: readonly Received[]): EventLogState => {
  if (batch.length === 0) return state
  const older = state.seen.slice()
  const youngest = older.at(-1)
  // The newest generation is copied (at most ID_GENERATION ids), the older ones are shared.
  let young: Set<string>
  let youngLastSeq: number
  if (youngest && youngest.ids.size < ID_GENERATION) {
    older.pop()
    young = new Set(youngest.ids)
    youngLastSeq = youngest.lastSeq
  } else {
    young = new Set()
    youngLastSeq = -1
  }
  const known = (id: string) => young.has(id) || older.some((g) => g.ids.has(id))

  // No prototype: an event type may be "constructor" or "__proto__".
  const counts: Record<string, number> = Object.assign(Object.create(null), state.countsByType)
  let tracked = Object.keys(counts).length
  let untrackedTypeEvents = state.untrackedTypeEvents
  const added: LogEntry[] = []
  let duplicates = state.duplicates
  let seq = state.nextSeq
  for (const { event, receivedAt } of batch) {
    if (event.type === "server.resync") {
      // The server lost track of our position (trimmed or new log): ids after this point may reuse old
      // ones, so what was seen before says nothing about duplicates any more.
      older.length = 0
      young = new Set()
    }
    if (event.id !== "") {
      if (known(event.id)) {
        duplicates++
        continue
      }
      if (young.size >= ID_GENERATION) {
        older.push({ ids: young, lastSeq: youngLastSeq })
        young = new Set()
      }
      young.add(event.id)
      youngLastSeq = seq
    }
    const count = counts[event.type]
    if (count !== undefined) counts[event.type] = count + 1
    else if (tracked < MAX_TRACKED_TYPES) {
      counts[event.type] = 1
      tracked++
    } else untrackedTypeEvents++
    added.push({ seq: seq++, receivedAt, event })
  }
  if (young.size > 0) older.push({ ids: young, lastSeq: youngLastSeq })

  let entries = pushAll(state.entries, added)
  const overflow = entries.length - state.capacity
  let evicted = state.evicted
  if (overflow > 0) {
    entries = dropFront(entries, overflow)
    evicted += overflow
  }
  const oldestSeq = at(entries, 0)?.seq ?? seq
  const seen = older.filter((g) => g.lastSeq >= oldestSeq)

  return {
    capacity: state.capacity,
    entries,
    total: state.total + added.length,
    evicted,
    duplicates,
    countsByType: counts,
    untrackedTypeEvents,
    seen,
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

/** Whether an entry passes a filter. */
export const matchesFilter = (entry: LogEntry, filter: LogFilter): boolean => {
  const type = entry.event.type
  if (filter.hideHeartbeats && type === "server.heartbeat") return false
  const needle = filter.type.trim().toLowerCase()
  return needle === "" || type.toLowerCase().includes(needle)
}

/** What the log component shows: the entries that pass `filter`, oldest first. */
export interface LogView {
  readonly filter: LogFilter
  readonly list: ChunkedList<LogEntry>
  /** Entries with a seq below this were already considered. */
  readonly nextSeq: number
}

const seqOf = (entry: LogEntry) => entry.seq
const sameFilter = (a: LogFilter, b: LogFilter) =>
  a.hideHeartbeats === b.hideHeartbeats && a.type.trim().toLowerCase() === b.type.trim().toLowerCase()

/**
 * Brings a view up to date with the log. With the same filter it only looks at the entries added and
 * evicted since (O(batch + log n)); a new filter rebuilds it once. Returns `view` itself when nothing
 * it shows changed.
 *
 * @example
 * let view = updateView(undefined, log, { type: "build.", hideHeartbeats: true })
 * view = updateView(view, nextLog, view.filter)
 */
export const updateView = (view: LogView | undefined, log: EventLogState, filter: LogFilter): LogView => {
  if (view === undefined || !sameFilter(view.filter, filter)) {
    const kept: LogEntry[] = []
    for (let i = 0; i < log.entries.length; i++) {
      const entry = at(log.entries, i) as LogEntry
      if (matchesFilter(entry, filter)) kept.push(entry)
    }
    return { filter, list: pushAll(emptyList(), kept), nextSeq: log.nextSeq }
  }
  if (view.nextSeq === log.nextSeq) return view
  const added: LogEntry[] = []
  for (let i = lowerBound(log.entries, view.nextSeq, seqOf); i < log.entries.length; i++) {
    const entry = at(log.entries, i) as LogEntry
    if (matchesFilter(entry, filter)) added.push(entry)
  }
  let list = pushAll(view.list, added)
  const oldestSeq = at(log.entries, 0)?.seq ?? log.nextSeq
  list = dropFront(list, lowerBound(list, oldestSeq, seqOf))
  return { filter: view.filter, list, nextSeq: log.nextSeq }
}

/** The index of the entry with `seq` in a view, or -1. */
export const indexOfSeq = (view: LogView, seq: number): number => {
  const index = lowerBound(view.list, seq, seqOf)
  return at(view.list, index)?.seq === seq ? index : -1
}

/** The types seen so far, most frequent first, at most `limit`: the filter's suggestions. */
export const knownTypes = (state: EventLogState, limit = 50): string[] =>
  Object.entries(state.countsByType)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([type]) => type)
