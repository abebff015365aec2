/**
 * What one member of a group delivered lately, whichever its role: the durable ids (to drop the ones a new
 * holder repeats after a handover) and the events themselves with the resume point before each (so
 * whoever holds the stream can replay to a member that fell behind or was frozen, from wherever it stands).
 * Ids are opaque (no ordering may be read into them), so both are lookups, bounded by count.
 *
 * @module
 */
import type { TetherEvent } from "../wire.ts"

/** How many durable ids a member remembers to drop repeats: far more than a handover repeats. */
export const DEDUP_IDS = 4096
/** How many durable events a member keeps to replay: up to twice this many, trimmed in batches. */
export const REPLAY_EVENTS = 1024

export interface EventHistory {
  /** Whether this durable id was delivered lately. */
  has(id: string): boolean
  /** Records a durable event as delivered; `before` is the resume point it was delivered after. */
  add(event: TetherEvent, before: string | undefined): void
  /**
   * The events delivered since the resume point was `after` (after the event of that id, or from the
   * first event delivered after that point), oldest first; `undefined` when that point is not kept.
   */
  since(after: string): TetherEvent[] | undefined
  /** The id of the oldest event kept, if any. */
  oldest(): string | undefined
}

interface Entry {
  readonly before: string | undefined
  readonly event: TetherEvent
}

/**
 * @example
 * ```ts
 * const history = createEventHistory()
 * history.add({ id: "7", type: "a", properties: {}, time: 0 }, "6")
 * history.since("6") // [the event 7]
 * history.since("7") // []
 * history.since("1") // undefined
 * ```
 */
export function createEventHistory(replayEvents = REPLAY_EVENTS, dedupIds = DEDUP_IDS): EventHistory {
  const ids = new Set<string>()
  let entries: Entry[] = []
  return {
    has: (id) => ids.has(id),
    add(event, before) {
      if (ids.has(event.id)) return
      ids.add(event.id)
      // A Set iterates in insertion order: the first key is the oldest.
      if (ids.size > dedupIds) ids.delete(ids.values().next().value as string)
      entries.push({ before, event })
      // Trim in batches: one copy per `replayEvents` events, not one shift per event.
      if (entries.length >= 2 * replayEvents) entries = entries.slice(-replayEvents)
    },
    since(after) {
      for (let i = entries.length - 1; i >= 0; i--) {
        const entry = entries[i] as Entry
        if (entry.event.id === after) return entries.slice(i + 1).map((kept) => kept.event)
        if (entry.before === after) return entries.slice(i).map((kept) => kept.event)
      }
      return undefined
    },
    oldest: () => entries[0]?.event.id,
  }
}
