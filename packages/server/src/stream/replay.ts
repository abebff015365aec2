/**
 * Starts a stream: the first frames, then (on resume) the retained events after the client's last
 * id, then live events, with no gap and no duplicate.
 *
 * The connection is already subscribed (it holds live events) when this runs. The log is read in
 * pages shared by every stream (`replay-pages.ts`: clients resuming from nearby points read and encode
 * each page once). A page's frames are handed over only while the client's socket takes them, and
 * never more than the slow-client bound, so a large replay never counts against that bound and never
 * piles up in memory. After each page, held live events the page already covered are dropped; when a
 * short page says the log is caught up, the remaining held events (all newer) are sent and the
 * connection goes live.
 *
 * Every replay shares the event loop through one {@link LoopBudget}: a few milliseconds of replay per
 * turn, then timers and I/O run (heartbeats, publishes, readiness), so a burst of far-behind resumes
 * never freezes the server (issue 17).
 *
 * Retention keeps trimming while a replay waits for its client: a page read after the client's
 * position was trimmed would start past a hole, so it gets `server.resync` instead.
 *
 * @module
 */
import { DEFAULT_RETRY_MS, EventType } from "@tether/core"
import { Effect } from "effect"
import type { EventLogShape, ResumePoint } from "../event/log.ts"
import type { Connection } from "./connection.ts"
import { ephemeralFrame, retryFrame } from "./frame.ts"
import type { LoopBudget } from "./loop-budget.ts"
import type { ReplayPages } from "./replay-pages.ts"

/** Events read per replay page. */
export const REPLAY_PAGE = 500

/** What a stream start needs. */
export interface StreamStart {
  readonly log: EventLogShape
  /** The pages every replay of this server shares (read and encoded once). */
  readonly pages: ReplayPages
  /** The event-loop time every replay of this server shares. */
  readonly budget: LoopBudget
  readonly instance: string
  readonly heartbeatMs: () => number
  /** The current `server.event_stream.max_buffered_bytes`: a replay never queues more than this. */
  readonly maxBufferedBytes: () => number
  readonly warn: (message: string) => void
  /** Told of each replayed event and each resync (metrics, log). */
  readonly observe?: ReplayObserver
}

/** What a stream start reports. */
export interface ReplayObserver {
  readonly replayed: () => void
  readonly resync: (requested: string, oldest: string | null) => void
}

/**
 * Starts a stream: reads where it begins, then sends `retry:` and `server.connected`, then the replay
 * or `server.resync` for `requested`, then releases the held live events.
 *
 * Resolves once the first frames are queued (`null`), or with the error that kept the log from being
 * read before any frame went out: the connection is then ended and the caller answers 503 instead.
 * Why before: `server.connected` is a frame, and every frame resets a client's backoff (docs/protocol.md), so
 * a stream opened and then dropped for a failing log would bring every client back every 500 ms.
 * A failure later (a replay page) ends the connection; the client resumes from what it got.
 */
export const startStream = (
  connection: Connection,
  start: StreamStart,
  requested: string | null,
): Promise<Error | null> =>
  new Promise((opened) => {
    void run(connection, start, requested, opened)
  })

const run = async (
  connection: Connection,
  start: StreamStart,
  requested: string | null,
  opened: (failure: Error | null) => void,
): Promise<void> => {
  const { log, pages, budget } = start
  // Subscribed to live events before now: a page read after this moment misses nothing held.
  const subscribed = pages.stamp()
  let newest: string | null
  let point: ResumePoint | null
  try {
    // Asked together: a log that answers both from one read (Redis, see redis-log.ts) reads once.
    ;[newest, point] = await Effect.runPromise(
      Effect.all([log.newest, requested === null ? Effect.succeed(null) : log.resume(requested)], {
        concurrency: 2,
      }),
    )
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error))
    start.warn(`tether: an event stream was refused: the event log cannot be read: ${failure.message}`)
    connection.end("error")
    opened(failure)
    return
  }
  try {
    connection.send(retryFrame(DEFAULT_RETRY_MS))
    connection.send(
      ephemeralFrame(
        EventType.Connected,
        { heartbeat_ms: start.heartbeatMs(), instance: start.instance, last_event_id: newest },
        Date.now(),
      ),
    )
    opened(null)
    // `server.connected` told the client the newest event; a stream that does not replay carries
    // exactly the events after it. Events logged before `newest` was read but not yet fanned out
    // (the hub sends at the end of the turn) are dropped here: the client starts from `newest`.
    const live = () => {
      connection.lastId = newest
      connection.settle(newest, log.compare, true)
    }
    if (requested === null || point === null) {
      connection.started = true
      live()
      return
    }
    // From here on heartbeats may interleave: a resync, when due, has gone out right after connected.
    connection.started = true
    if (point._tag === "Resync") {
      connection.send(ephemeralFrame(EventType.Resync, { requested, oldest: point.oldest }, Date.now()))
      start.observe?.resync(requested, point.oldest)
      // The client refetches its state and resumes from `newest` (the SDK does): what follows is
      // every event after it.
      live()
      return
    }
    let after = point.after
    connection.lastId = after
    // The replay cannot go on from `after` (trimmed meanwhile, or unreadable): the client refetches its
    // state. The stream goes on from `newest` (or past it, if the replay already was): what it has not
    // sent is exactly what comes after that.
    const resyncFrom = (oldest: string | null) => {
      connection.send(ephemeralFrame(EventType.Resync, { requested: after, oldest }, Date.now()))
      start.observe?.resync(after, oldest)
      const through = newest !== null && log.compare(newest, after) > 0 ? newest : after
      connection.lastId = through
      connection.settle(through, log.compare, true)
    }
    while (connection.closedBy === null) {
      const page = await pages.read(after, REPLAY_PAGE, subscribed).catch((error: unknown) => {
        // Unreadable (damaged pages): ending the stream would bring the client back to the same page
        // forever, live events never reaching it. A resync tells it to refetch, and the stream goes on.
        start.warn(
          `tether: a replay could not read the event log after ${after}, sending server.resync: ${error instanceof Error ? error.message : String(error)}`,
        )
        return null
      })
      if (connection.closedBy !== null) return
      if (page === null) {
        const oldest = await Effect.runPromise(log.oldest).catch(() => null)
        if (connection.closedBy !== null) return
        resyncFrom(oldest)
        return
      }
      // Retention runs while a replay waits for its client, and may have trimmed events right after
      // `after`: the page would then start past a hole. Checked after the read: trimming only moves
      // forward, so `after` still resumable now means it was when the page was read. A gapless log
      // shows it in the page itself: one that starts at the next number has no hole, and the check (a
      // round trip to Redis per page and resume) is left out.
      const { ids, frames } = page
      if (ids.length === 0 || log.previous?.(ids[0] as string) !== after) {
        const still = await Effect.runPromise(log.resume(after))
        if (connection.closedBy !== null) return
        if (still._tag === "Resync") {
          resyncFrom(still.oldest)
          return
        }
      }
      for (let i = 0; i < ids.length; i++) {
        const frame = frames[i] as Uint8Array
        // A page can be many times the slow-client bound: hand it over as fast as the client takes
        // it, or a client far behind would be dropped as slow on every attempt and never catch up.
        // Nothing is queued past what the socket takes, so 300 replays hold no 300 backlogs.
        if (!connection.writable || connection.unsentBytes + frame.byteLength > start.maxBufferedBytes()) {
          await connection.drained()
          if (connection.closedBy !== null) return
        }
        let wait = budget.pause(frame.byteLength)
        while (wait !== null) {
          await wait
          if (connection.closedBy !== null) return
          wait = budget.pause(frame.byteLength)
        }
        connection.replayed(ids[i] as string, frame)
        start.observe?.replayed()
        after = ids[i] as string
      }
      if (page.short) {
        connection.settle(after, log.compare, true)
        return
      }
      connection.settle(after, log.compare, false)
      const wait = budget.pause()
      if (wait !== null) await wait
    }
  } catch (error) {
    start.warn(`tether: an event stream failed: ${error instanceof Error ? error.message : String(error)}`)
    // Settles a caller still waiting (a failure before the first frames is handled above).
    opened(null)
    connection.end("error")
  }
}
