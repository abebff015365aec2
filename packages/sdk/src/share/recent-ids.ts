/**
 * The durable ids a member delivered lately, to drop the ones a new holder replays after a handover.
 * Ids are opaque (no ordering may be read into them), so "already delivered" is a lookup, bounded by count.
 *
 * @module
 */

/** How many ids a member remembers: far more than a handover replays (the new holder resumes from its own last id). */
export const RECENT_IDS = 4096

export interface RecentIds {
  has(id: string): boolean
  add(id: string): void
}

export function createRecentIds(limit = RECENT_IDS): RecentIds {
  const set = new Set<string>()
  return {
    has: (id) => set.has(id),
    add(id) {
      if (set.has(id)) return
      set.add(id)
      // A Set iterates in insertion order: the first key is the oldest.
      if (set.size > limit) set.delete(set.values().next().value as string)
    },
  }
}
