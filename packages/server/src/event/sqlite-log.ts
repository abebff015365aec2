/**
 * The embedded event log: one SQLite file (bun:sqlite) in the data dir.
 *
 * Durability: WAL with `synchronous = NORMAL`. In WAL mode a commit is complete once its frames are
 * written to the WAL file (the OS page cache), so a process killed with SIGKILL right after the 202
 * still has the event; only a power loss or OS crash could roll back the newest commits, and `FULL`
 * would pay an fsync per publish for that. Every append is its own transaction, committed before
 * `append` returns.
 *
 * Ids: `INTEGER PRIMARY KEY AUTOINCREMENT`, so SQLite itself guarantees an id is never reused, even
 * after the newest rows were trimmed or the process restarted, and two processes on one file cannot
 * mint the same id. A new file's sequence starts at its creation time (`initialSequence`). `meta.trimmed_through` remembers the newest id ever trimmed: a client that saw it
 * (or later) lost nothing; a client before it must resync.
 *
 * Failures underneath (see `store-health.ts`): an append is acknowledged only while the paths still
 * name the files this connection writes (a deleted or replaced file would lose it at the next start).
 * The readiness probe also fails on that, on damaged pages (found by `quick_check` at open or by any
 * later call), on a nearly full disk and after an append failed, until a write as large as that event
 * goes through: a probe's one small write can still fit where a real event no longer does.
 *
 * @module
 */
import { Database } from "bun:sqlite"
import { Effect } from "effect"
import {
  EventLogError,
  type EventLogShape,
  type LoggedEvent,
  type NewEvent,
  type ResumePoint,
} from "./log-shape.ts"
import { compareSequenceIds, formatSequenceId, initialSequence, parseSequenceId } from "./sequence-id.ts"
import { damageOf, freeBytes, isDamage, MIN_FREE_BYTES, watchFiles } from "./store-health.ts"

interface Row {
  readonly seq: number
  readonly type: string
  readonly time: number
  readonly properties: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  time INTEGER NOT NULL,
  properties TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

/** Opens (or creates) the log file. The caller closes it. */
export const makeSqliteLog = (
  file: string,
): { readonly shape: EventLogShape; readonly close: () => void } => {
  const db = new Database(file, { create: true, strict: true })
  db.run("PRAGMA journal_mode = WAL")
  db.run("PRAGMA synchronous = NORMAL")
  // Another process (a supervisor's next child) may still hold the file for a moment.
  db.run("PRAGMA busy_timeout = 5000")
  db.run(SCHEMA)

  const insert = db.query<{ seq: number }, [string, number, string]>(
    "INSERT INTO events (type, time, properties) VALUES (?1, ?2, ?3) RETURNING seq",
  )
  const after = db.query<Row, [number, number]>(
    "SELECT seq, type, time, properties FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
  )
  const newestQuery = db.query<{ seq: number | null }, []>("SELECT max(seq) AS seq FROM events")
  const oldestQuery = db.query<{ seq: number | null }, []>("SELECT min(seq) AS seq FROM events")
  // The newest id ever minted, even when every row has been trimmed since.
  const issuedQuery = db.query<{ seq: number }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
  const trimmedQuery = db.query<{ value: number }, []>("SELECT value FROM meta WHERE key = 'trimmed_through'")
  const setTrimmed = db.query<unknown, [number]>(
    "INSERT INTO meta (key, value) VALUES ('trimmed_through', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  )
  const deleteThrough = db.query<unknown, [number]>("DELETE FROM events WHERE seq <= ?1")
  const setProbe = db.query<unknown, [number]>(
    "INSERT INTO meta (key, value) VALUES ('probe', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  )
  // A write as large as a failed publish, committed then taken back (see `probe`).
  const setRoom = db.query<unknown, [number]>(
    "INSERT INTO meta (key, value) VALUES ('probe_room', zeroblob(?1)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  )
  const clearRoom = db.query<unknown, []>("DELETE FROM meta WHERE key = 'probe_room'")

  const trimTx = db.transaction((cutoff: number): number => {
    const { changes } = deleteThrough.run(cutoff)
    setTrimmed.run(cutoff)
    return changes
  })

  // A new file starts its ids after its creation time (see sequence-id.ts), and counts everything
  // before as "not retained", so an id from an older log resyncs instead of replaying. A file that
  // has minted ids (or is older than this rule) keeps its sequence: ids never go back.
  const seed = db.query<unknown, [number]>("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?1)")
  db.transaction(() => {
    if (issuedQuery.get() !== null) return
    const start = initialSequence()
    seed.run(start)
    setTrimmed.run(start)
  }).immediate()

  // Every call since checks these (the WAL exists from the first transaction above on).
  const files = watchFiles([file, `${file}-wal`])
  let damage = damageOf(db)
  if (damage !== undefined) console.error(`tether: the event log ${file} is damaged: ${damage}`)
  // Why the newest append failed and how large it was, until a write that large succeeds.
  let appendFailure: { readonly reason: string; readonly bytes: number } | undefined

  const attempt = <A>(what: string, f: () => A): Effect.Effect<A, EventLogError> =>
    Effect.try({
      try: f,
      catch: (cause) => {
        const reason = cause instanceof Error ? cause.message : String(cause)
        if (damage === undefined && isDamage(cause)) {
          damage = reason
          console.error(`tether: the event log ${file} is damaged: ${damage}`)
        }
        return new EventLogError({ message: `Event log ${what} failed (${file}): ${reason}`, cause })
      },
    })

  const assertInPlace = (): void => {
    const moved = files.moved()
    if (moved !== undefined) {
      throw new Error(`${moved}; nothing written now would survive a restart. Restart the server.`)
    }
  }

  const toEvent = (row: Row): LoggedEvent => ({
    id: formatSequenceId(row.seq),
    type: row.type,
    time: row.time,
    properties: row.properties,
  })
  const idOrNull = (seq: number | null | undefined): string | null =>
    seq === null || seq === undefined ? null : formatSequenceId(seq)

  const shape: EventLogShape = {
    kind: "sqlite",
    append: (event: NewEvent) =>
      attempt("append", () => {
        try {
          const row = insert.get(event.type, event.time, event.properties)
          if (row === null) throw new Error("INSERT returned no row")
          // After the insert: a file deleted before it (or during it) is seen before the 202.
          assertInPlace()
          appendFailure = undefined
          return { id: formatSequenceId(row.seq), ...event }
        } catch (error) {
          appendFailure = {
            reason: error instanceof Error ? error.message : String(error),
            bytes: Buffer.byteLength(event.properties) + Buffer.byteLength(event.type),
          }
          throw error
        }
      }),
    probe: attempt("probe write", () => {
      assertInPlace()
      if (damage !== undefined) {
        throw new Error(
          `the file is damaged (${damage}); replays across the damage end in server.resync. Stop the server, then move the file away or repair it (sqlite3 .recover)`,
        )
      }
      const free = freeBytes(file)
      if (free < MIN_FREE_BYTES) {
        throw new Error(
          `only ${free} bytes are free on its disk, under the ${MIN_FREE_BYTES} a publish may need`,
        )
      }
      if (appendFailure !== undefined) {
        // Ready again once a write as large as the failed publish goes through (space freed, a quota
        // raised), not only after a publish succeeds: a load balancer sends none to an instance that
        // is not ready, which would then stay so until restarted.
        try {
          setRoom.run(appendFailure.bytes)
          clearRoom.run()
        } catch {
          throw new Error(`the latest publish could not be stored: ${appendFailure.reason}`)
        }
        appendFailure = undefined
      }
      setProbe.run(Date.now())
    }),
    resume: (requested) =>
      attempt("resume", (): ResumePoint => {
        const seq = parseSequenceId(requested)
        const issued = issuedQuery.get()?.seq ?? 0
        const trimmed = trimmedQuery.get()?.value ?? 0
        if (seq !== null && seq <= issued && seq >= trimmed) return { _tag: "Replay", after: requested }
        return { _tag: "Resync", oldest: idOrNull(oldestQuery.get()?.seq) }
      }),
    readAfter: (afterId, limit) =>
      attempt("read", () => {
        const seq = parseSequenceId(afterId)
        if (seq === null) return []
        return after.all(seq, limit).map(toEvent)
      }),
    // Empty: `trimmed_through`, seeded at creation and moved by every trim, is the position before the next id.
    newest: attempt("read", () => idOrNull(newestQuery.get()?.seq ?? trimmedQuery.get()?.value)),
    oldest: attempt("read", () => idOrNull(oldestQuery.get()?.seq)),
    trim: (retain, limit = Number.POSITIVE_INFINITY) =>
      attempt("trim", () => {
        const newest = newestQuery.get()?.seq
        if (newest === null || newest === undefined) return 0
        const oldest = oldestQuery.get()?.seq ?? newest
        // Ids may have holes (a rolled-back insert), so `oldest + limit - 1` deletes at most `limit` rows.
        const cutoff = Math.min(newest - retain, oldest + limit - 1)
        const trimmed = trimmedQuery.get()?.value ?? 0
        if (cutoff <= trimmed) return 0
        return trimTx(cutoff)
      }),
    compare: compareSequenceIds,
  }

  return {
    shape,
    close: () => {
      try {
        // Fold the WAL back into the main file so the data dir is one self-contained file at rest.
        db.run("PRAGMA wal_checkpoint(TRUNCATE)")
      } catch {
        // A checkpoint is an optimisation; closing still commits nothing new and loses nothing.
      }
      db.close()
    },
  }
}
