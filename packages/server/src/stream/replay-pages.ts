/**
 * Replay pages shared by every stream of a server: the events after a position, read from the log
 * once and encoded once, however many clients replay them.
 *
 * A burst of clients resuming from far behind (a reconnect storm after an outage) asks for the same
 * pages: 300 clients × 10 000 events each read and encoded alone was 3 million reads and encodes
 * (issue 17). Here a page is read once (concurrent asks for the same position share the one read in
 * flight), kept for a short while within a byte budget, and a client resuming from a nearby position
 * takes the slice of a kept page that covers it, after which it asks for the same positions as the
 * others. Generic over `EventLogShape`: positions are the log's opaque ids, ordered by its `compare`.
 *
 * A page holds up to the count the caller asks for, and no more than about {@link REPLAY_PAGE_BYTES}: the
 * count is cut by the size of recent events, so a log of 256 KiB events is not read 500 at a time
 * (128 MiB in one synchronous read).
 *
 * A page is exact whenever it is used: events never change once logged and ids only grow, so the
 * events after `after` up to a page's last id are the same whenever they are read. What can be stale
 * is the end: a short page (the log's end when read) says nothing about events logged since; each
 * page therefore carries the moment it was read ({@link ReplayPages.stamp}), and a caller that
 * started later asks for a new read. Trimming is the caller's check (`log.resume`), as before.
 *
 * @module
 */
import { Effect } from "effect"
import type { EventLogShape, LoggedEvent } from "../event/log-shape.ts"
import { durableFrame } from "./frame.ts"
import type { FrameCache } from "./frame-cache.ts"

/** The events after a position, as ids and their encoded frames. */
export interface ReplayPage {
  readonly ids: readonly string[]
  readonly frames: readonly Uint8Array[]
  /** Whether the read returned fewer events than asked: it reached the log's end then. */
  readonly short: boolean
  /** {@link ReplayPages.stamp} when the read began. */
  readonly readAt: number
}

interface Kept {
  readonly after: string
  readonly page: ReplayPage
  readonly bytes: number
  readonly keptAt: number
}

/** About how many bytes of frames one page read brings: 500 events of 4 KiB. */
export const REPLAY_PAGE_BYTES = 2 * 1024 * 1024

/** Default budget of kept pages: a storm's clients drift apart by a few pages at most. */
export const REPLAY_PAGES_BYTES = 32 * 1024 * 1024

/** How long a page is kept: a storm lasts seconds; a longer life only pins memory. */
export const REPLAY_PAGE_TTL_MS = 15_000

/**
 * How many pages are kept at most, whatever their size. A page is looked up by scanning the kept
 * ones, and clients that resume one by one (hopping between instances under a high publish rate)
 * each leave a small page of their own: profiled in the handoff race of issue 12, thousands of them
 * made that scan 8 % of an instance's CPU. A storm's clients share a few pages.
 */
export const REPLAY_PAGES_MAX = 128

/**
 * The shared page reader of one server.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { makeMemoryLog } from "../event/memory-log.ts"
 * import { FrameCache } from "./frame-cache.ts"
 * import { ReplayPages } from "./replay-pages.ts"
 * const log = makeMemoryLog()
 * const first = Effect.runSync(log.append({ type: "demo", time: 0, properties: "{}" }))
 * Effect.runSync(log.append({ type: "demo", time: 0, properties: "{}" }))
 * const pages = new ReplayPages(log, new FrameCache())
 * pages.read(first.id, 500, pages.stamp()).then((page) => console.log(page.ids.length)) // 1
 * ```
 */
export class ReplayPages {
  private readonly log: EventLogShape
  private readonly frames: FrameCache
  private readonly budget: number
  private readonly maxPages: number
  private readonly ttlMs: number
  private readonly now: () => number
  // Kept pages by the position they follow, oldest first (re-inserted on use: least recently used first).
  private readonly kept = new Map<string, Kept>()
  private keptBytes = 0
  private readonly inFlight = new Map<string, Promise<ReplayPage>>()
  private clock = 0
  // The mean frame size of the last page read; before any, that of the recent frames in the cache.
  private frameBytes: number | null = null
  // Drops expired pages once the storm is over, so an idle server does not keep them.
  private sweep: ReturnType<typeof setTimeout> | null = null

  constructor(
    log: EventLogShape,
    frames: FrameCache,
    options: { budgetBytes?: number; maxPages?: number; ttlMs?: number; now?: () => number } = {},
  ) {
    this.log = log
    this.frames = frames
    this.budget = options.budgetBytes ?? REPLAY_PAGES_BYTES
    this.maxPages = options.maxPages ?? REPLAY_PAGES_MAX
    this.ttlMs = options.ttlMs ?? REPLAY_PAGE_TTL_MS
    this.now = options.now ?? Date.now
  }

  /** Bytes of frames kept now. */
  get size(): number {
    return this.keptBytes
  }

  /** A moment in this reader's order of reads: take it when a stream subscribes to live events. */
  stamp(): number {
    return ++this.clock
  }

  /**
   * Up to `limit` events after `after` (fewer when they are large, see {@link REPLAY_PAGE_BYTES}),
   * oldest first. A kept or in-flight page is used when it covers `after`, unless it is short and was
   * read before `since` (it may miss events logged since then).
   */
  read(after: string, limit: number, since: number): Promise<ReplayPage> {
    const usable = (page: ReplayPage) => !page.short || page.readAt > since
    const flying = this.inFlight.get(after)
    if (flying !== undefined) {
      return flying.then((page) => (usable(page) ? page : this.read(after, limit, since)))
    }
    const kept = this.lookup(after, usable)
    if (kept !== null) return Promise.resolve(kept)
    const readAt = this.stamp()
    const size = this.frameBytes ?? this.frames.averageBytes
    const count = size === null ? limit : Math.max(1, Math.min(limit, Math.floor(REPLAY_PAGE_BYTES / size)))
    const reading = Effect.runPromise(this.log.readAfter(after, count)).then(
      (events) => {
        this.inFlight.delete(after)
        const page = this.encode(events, events.length < count, readAt)
        this.keep(after, page)
        return page
      },
      (error: unknown) => {
        this.inFlight.delete(after)
        throw error
      },
    )
    this.inFlight.set(after, reading)
    return reading
  }

  // The usable kept page that starts at `after`, or the slice after `after` of one that covers it.
  private lookup(after: string, usable: (page: ReplayPage) => boolean): ReplayPage | null {
    const now = this.now()
    const exact = this.kept.get(after)
    if (exact !== undefined) {
      if (now - exact.keptAt > this.ttlMs) this.drop(exact)
      else if (usable(exact.page)) {
        this.touch(exact)
        return exact.page
      }
    }
    // Else a page that covers `after` (the exact one, unusable, is passed over: it does not cover it).
    const compare = this.log.compare
    for (const entry of this.kept.values()) {
      const { ids } = entry.page
      const last = ids[ids.length - 1]
      if (last === undefined || now - entry.keptAt > this.ttlMs || !usable(entry.page)) continue
      if (compare(entry.after, after) >= 0 || compare(after, last) >= 0) continue
      this.touch(entry)
      const from = firstAfter(ids, after, compare)
      return {
        ids: ids.slice(from),
        frames: entry.page.frames.slice(from),
        short: entry.page.short,
        readAt: entry.page.readAt,
      }
    }
    return null
  }

  // Most recently used last: eviction takes the least recently used.
  private touch(entry: Kept): void {
    this.kept.delete(entry.after)
    this.kept.set(entry.after, entry)
  }

  private encode(events: readonly LoggedEvent[], short: boolean, readAt: number): ReplayPage {
    const ids: string[] = []
    const frames: Uint8Array[] = []
    for (const event of events) {
      let frame = this.frames.get(event.id)
      if (frame === undefined) {
        frame = durableFrame(event.id, event.type, event.properties, event.time)
        this.frames.set(event.id, frame)
      }
      ids.push(event.id)
      frames.push(frame)
    }
    if (frames.length > 0) {
      let bytes = 0
      for (const frame of frames) bytes += frame.byteLength
      this.frameBytes = bytes / frames.length
    }
    return { ids, frames, short, readAt }
  }

  private keep(after: string, page: ReplayPage): void {
    // An empty page shares nothing; a newer read of a position replaces the older one.
    if (page.ids.length === 0) return
    const old = this.kept.get(after)
    if (old !== undefined) this.drop(old)
    let bytes = 0
    for (const frame of page.frames) bytes += frame.byteLength
    if (bytes > this.budget) return
    this.kept.set(after, { after, page, bytes, keptAt: this.now() })
    this.keptBytes += bytes
    for (const entry of this.kept.values()) {
      if (this.keptBytes <= this.budget && this.kept.size <= this.maxPages) break
      this.drop(entry)
    }
    this.scheduleSweep()
  }

  private scheduleSweep(): void {
    if (this.sweep !== null || this.kept.size === 0) return
    this.sweep = setTimeout(() => {
      this.sweep = null
      const now = this.now()
      for (const entry of [...this.kept.values()]) {
        if (now - entry.keptAt > this.ttlMs) this.drop(entry)
      }
      this.scheduleSweep()
    }, this.ttlMs + 1)
    // Never keeps a process alive.
    this.sweep.unref?.()
  }

  private drop(entry: Kept): void {
    this.kept.delete(entry.after)
    this.keptBytes -= entry.bytes
  }
}

// The index of the first id greater than `after` (ids ascending).
const firstAfter = (ids: readonly string[], after: string, compare: (a: string, b: string) => number) => {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compare(ids[mid] as string, after) <= 0) lo = mid + 1
    else hi = mid
  }
  return lo
}
