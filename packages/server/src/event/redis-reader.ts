/**
 * The fan-out reader of the Redis log: one per instance, on its own connection, reading the shared
 * stream from its own cursor and handing every entry, in order, to the local streams. It starts at the
 * log's newest entry and from then on always reads after the last entry it delivered (never `$`, which
 * would skip what arrived between two reads). It waits with `XREAD BLOCK` for a few entries at a time
 * ({@link WAIT_COUNT}); when that read comes back full, more are waiting, and it reads them by size
 * (the `FOLLOW` script, about {@link READ_BYTES} a read) until caught up. A backlog of large events (an
 * instance paused, Redis back after an outage) is so read and handed over a few MiB at a time, with
 * timers and I/O in between: read 1 000 entries at once, 600 events of 200 KiB were one 120 MB reply,
 * 2.8 GiB of peak memory and 4.4 s without an answer to `/global/health`.
 *
 * It checks what it reads: each entry must be the next sequence number of the current generation. A
 * jump means entries were trimmed before this instance read them (it fell behind by more than the
 * retention); another generation means Redis lost its history. Either way the streams are told
 * (`lost`) and every client resumes from its last id, so the log replays what it still has or sends
 * `server.resync`, never a silent skip.
 *
 * About once a second (and after every reconnect) it also verifies the generation with the master's
 * replication id (`INFO replication`), which notices a failover to a replica and a flushed log even
 * when nobody publishes.
 *
 * Redis unreachable: the read fails, the reader waits (50 ms doubling to 2 s) and reads again from the
 * same cursor, so nothing published meanwhile by other instances is skipped.
 *
 * @module
 */

import { Effect } from "effect"
import type Redis from "ioredis"
import { EventLogError, type LogFollower, type LogFollowing, type LoggedEvent } from "./log-shape.ts"
import { reconnectDelay } from "./redis-connection.ts"
import { formatRedisId, parseRedisId } from "./redis-id.ts"
import { KEYS } from "./redis-scripts.ts"

/** Where the log stands, as the state script reports it. */
export interface LogState {
  readonly generation: string
  readonly seq: number
  readonly ms: string
  /** The first retained sequence number, `-1` when the stream is empty. */
  readonly first: number
}

/** A stream entry as Redis answers it: id and flat field list. */
export type Entry = [id: string, fields: string[]]

/** What the reader needs from the log. */
export interface ReaderPorts {
  /** The dedicated connection (blocking reads stall every other command on a connection). */
  readonly connection: Redis
  /** The entries after a stream id, up to `count` and about `bytes` (the `FOLLOW` script, non-blocking). */
  readonly readAfter: (after: string, count: number, bytes: number) => Promise<Entry[]>
  /** Where to start: the log's state when it was opened, before any stream. */
  readonly start: LogState
  /** The log's state, checked against the master's replication id (may start a new generation). */
  readonly verify: () => Promise<LogState>
  /** The log's state, without the replication check. */
  readonly state: () => Promise<LogState>
  /** Tells the log what this instance has seen (lost-history detection). */
  readonly saw: (generation: string, seq: number, ms: string) => void
  readonly warn: (message: string) => void
}

/**
 * Entries one waiting `XREAD` takes at most: 8 MiB at the largest event size (256 KiB), and more than a
 * busy instance finds between two reads (the handoff race reached 1 550–1 840 publishes/s with 8,
 * 1 820–1 990/s with 32).
 */
export const WAIT_COUNT = 32
/** Entries per read of a backlog at most: a burst is handed over in batches of up to this many. */
export const READ_COUNT = 1000
/** About how many bytes of events one read of a backlog brings (and one fan-out writes to each stream). */
export const READ_BYTES = 2 * 1024 * 1024
/** How long one `XREAD` blocks before the reader verifies the generation anyway, in ms. */
export const BLOCK_MS = 1000
/** How often the generation is verified while entries keep arriving, in ms. */
export const VERIFY_EVERY_MS = 1000

interface Cursor {
  generation: string
  seq: number
  ms: string
}

/**
 * Starts the reader.
 *
 * @example
 * ```ts
 * import { startReader } from "./redis-reader.ts"
 * // ports from the Redis log (redis-log.ts); follower from the event bus
 * // const following = startReader(ports, { events: (batch) => {}, lost: (reason) => {} })
 * ```
 */
export const startReader = (ports: ReaderPorts, follower: LogFollower): LogFollowing => {
  let stopped = false
  let cursor: Cursor = { generation: ports.start.generation, seq: ports.start.seq, ms: ports.start.ms }
  let verifiedAt = 0
  const waiters = new Set<{ readonly generation: string; readonly seq: number; readonly wake: () => void }>()

  const wakeWaiters = () => {
    for (const waiter of waiters) {
      if (waiter.generation !== cursor.generation || waiter.seq <= cursor.seq) {
        waiters.delete(waiter)
        waiter.wake()
      }
    }
  }

  // Streams already in the new generation (opened after it began) stay; the others resume and resync.
  const newGeneration = (generation: string) =>
    follower.lost(
      `the event log began a new generation (${generation}): Redis lost its history`,
      (lastId) => {
        const id = lastId === null ? null : parseRedisId(lastId)
        return id !== null && id.generation === generation
      },
    )

  const verify = async (current: Cursor): Promise<Cursor> => {
    const state = await ports.verify()
    verifiedAt = Date.now()
    if (state.generation === current.generation) return current
    newGeneration(state.generation)
    // From the start of the new generation: what it already holds is read and delivered next.
    return { generation: state.generation, seq: 0, ms: state.ms }
  }

  const hand = (entries: readonly Entry[], from: Cursor): Cursor => {
    let at = from
    let batch: LoggedEvent[] = []
    const flush = () => {
      if (batch.length > 0) follower.events(batch)
      batch = []
    }
    for (const [streamId, fields] of entries) {
      const dash = streamId.indexOf("-")
      const ms = streamId.slice(0, dash)
      const seq = Number(streamId.slice(dash + 1))
      let generation = ""
      let type = ""
      let time = 0
      let properties = "{}"
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const value = fields[i + 1] as string
        switch (fields[i]) {
          case "g":
            generation = value
            break
          case "y":
            type = value
            break
          case "t":
            time = Number(value)
            break
          case "p":
            properties = value
        }
      }
      if (generation !== at.generation) {
        flush()
        newGeneration(generation)
      } else if (seq !== at.seq + 1) {
        flush()
        // Streams that already hold everything through the hole (a replay read past it) stay.
        const through = seq - 1
        follower.lost(
          `events ${at.seq + 1}-${through} were trimmed before this instance read them (it fell behind by more than server.event_stream.retention_events)`,
          (lastId) => {
            const id = lastId === null ? null : parseRedisId(lastId)
            return id !== null && id.generation === generation && id.seq >= through
          },
        )
      }
      at = { generation, seq, ms }
      batch.push({ id: formatRedisId(generation, seq), type, time, properties })
    }
    flush()
    return at
  }

  // Failures surface as failed reads below; the event only needs a listener.
  ports.connection.on("error", () => {})
  const loop = async () => {
    let failures = 0
    // A full `XREAD` says more may be waiting: read by bytes until caught up, then wait again.
    let behind = false
    while (!stopped) {
      try {
        if (ports.connection.status === "wait") await ports.connection.connect()
        if (Date.now() - verifiedAt >= VERIFY_EVERY_MS) {
          try {
            cursor = await verify(cursor)
            ports.saw(cursor.generation, cursor.seq, cursor.ms)
            wakeWaiters()
          } catch (error) {
            // Reading goes on (the read below fails too if Redis is gone); the check is tried again.
            verifiedAt = Date.now()
            // While Redis is unreachable the failed reads say so already.
            if (failures === 0)
              ports.warn(
                `tether: the event log's reader cannot verify the log's generation: ${error instanceof Error ? error.message : String(error)}`,
              )
          }
        }
        const from: Cursor = cursor
        const after = `${from.ms}-${from.seq}`
        let entries: Entry[]
        const waited = !behind
        if (behind) {
          entries = await ports.readAfter(after, READ_COUNT, READ_BYTES)
          behind = entries.length > 0
        } else {
          const reply = (await ports.connection.xread(
            "COUNT",
            WAIT_COUNT,
            "BLOCK",
            BLOCK_MS,
            "STREAMS",
            KEYS.events,
            after,
          )) as [string, Entry[]][] | null
          entries = reply?.[0]?.[1] ?? []
          behind = entries.length === WAIT_COUNT
        }
        if (stopped) return
        if (failures > 0) ports.warn("tether: the event log's reader is reading again")
        failures = 0
        if (entries.length === 0) {
          // Quiet for a whole wait: verify now (a flushed Redis shows no new entry to notice it by).
          // A backlog read to its end is not quiet: the next wait follows at once.
          if (waited) verifiedAt = 0
          wakeWaiters()
          continue
        }
        cursor = hand(entries, from)
        ports.saw(cursor.generation, cursor.seq, cursor.ms)
        wakeWaiters()
      } catch (error) {
        if (stopped) return
        failures += 1
        if (failures === 1 || failures % 30 === 0)
          ports.warn(
            `tether: the event log's reader cannot read Redis (attempt ${failures}), retrying from its cursor: ${error instanceof Error ? error.message : String(error)}`,
          )
        // The generation is checked again first: Redis may come back without its history.
        verifiedAt = 0
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(failures)))
      }
    }
  }
  void loop()

  return {
    stop: () => {
      stopped = true
      ports.connection.disconnect()
      for (const waiter of waiters) waiter.wake()
      waiters.clear()
    },
    caughtUp: Effect.tryPromise({
      try: () => ports.state(),
      catch: (cause) =>
        new EventLogError({
          message: `Event log read failed (redis): ${cause instanceof Error ? cause.message : String(cause)}`,
          cause,
        }),
    }).pipe(
      Effect.flatMap((state) =>
        Effect.callback<void>((resume) => {
          const waiter = { generation: state.generation, seq: state.seq, wake: () => resume(Effect.void) }
          waiters.add(waiter)
          wakeWaiters()
          return Effect.sync(() => {
            waiters.delete(waiter)
          })
        }),
      ),
    ),
  }
}
