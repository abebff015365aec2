/**
 * One server per data dir: the SQLite event log in it belongs to one process. A second `tether serve`
 * on the same dir would share the file but deliver only its own publishes, silently; it is refused at
 * start instead, naming the dir, the other process, and how to run several instances.
 *
 * The lock is an operating-system lock, not a file's presence: `server.lock` is a small SQLite
 * database held in `locking_mode = EXCLUSIVE` (a POSIX record lock) for the life of the server. The
 * kernel drops it when the process ends in any way, SIGKILL included, and when `bun --watch`
 * re-executes the process (SQLite opens its files close-on-exec), so a stale lock never blocks a
 * restart: there is no pid to check and no file to clean up. `server.pid` beside it names the holder,
 * only for the message.
 *
 * @module
 */
import { Database } from "bun:sqlite"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Data, Effect, Layer } from "effect"

/** The lock file inside the data dir. */
export const LOCK_FILE = "server.lock"

/** Who holds the lock (for the refusal message), inside the data dir. */
export const HOLDER_FILE = "server.pid"

/** Another live server owns the data dir. */
export class DataDirInUse extends Data.TaggedError("DataDirInUse")<{
  readonly message: string
  readonly dataDir: string
  readonly pid: number | null
}> {}

/** The data dir cannot be created or locked for another reason (permissions, a file in the way). */
export class DataDirError extends Data.TaggedError("DataDirError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** A held lock. */
export interface DataDirLock {
  readonly dataDir: string
  readonly release: () => void
}

interface Holder {
  readonly pid: number
  readonly started: string
}

/**
 * Takes the data dir's lock, or throws `DataDirInUse` / `DataDirError`. Never waits.
 *
 * @example
 * ```ts
 * import { acquireDataDirLock } from "./lock.ts"
 * const lock = acquireDataDirLock("/tmp/tether-data")
 * lock.release()
 * ```
 */
export const acquireDataDirLock = (dataDir: string): DataDirLock => {
  let db: Database
  try {
    // Events may carry private data: the directory is the user's alone when we create it.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    db = new Database(join(dataDir, LOCK_FILE), { create: true })
  } catch (cause) {
    throw new DataDirError({ message: `Cannot open the event log in ${dataDir}: ${messageOf(cause)}`, cause })
  }
  try {
    db.run("PRAGMA busy_timeout = 0")
    db.run("PRAGMA locking_mode = EXCLUSIVE")
    // The first write takes the exclusive lock; in EXCLUSIVE mode it is kept after the commit, until close.
    db.run("BEGIN EXCLUSIVE")
    db.run("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started TEXT NOT NULL)")
    db.run("DELETE FROM holder")
    db.run("INSERT INTO holder (pid, started) VALUES (?, ?)", [process.pid, new Date().toISOString()])
    db.run("COMMIT")
  } catch (cause) {
    db.close()
    if (!isBusy(cause)) {
      throw new DataDirError({ message: `Cannot lock the data dir ${dataDir}: ${messageOf(cause)}`, cause })
    }
    const holder = readHolder(dataDir)
    throw new DataDirInUse({ message: inUseMessage(dataDir, holder), dataDir, pid: holder?.pid ?? null })
  }
  try {
    writeFileSync(
      join(dataDir, HOLDER_FILE),
      `${JSON.stringify({ pid: process.pid, started: new Date().toISOString() } satisfies Holder)}\n`,
      { mode: 0o600 },
    )
  } catch {
    // Only the refusal message of a second server uses it; the lock itself is held.
  }
  let released = false
  return {
    dataDir,
    release: () => {
      if (released) return
      released = true
      db.close()
    },
  }
}

/**
 * The lock as a scoped layer: taken when built, released when its scope closes (after the event log,
 * which is built on top of it, has been flushed and closed).
 *
 * @example
 * ```ts
 * import { dataDirLockLayer } from "./lock.ts"
 * const layer = dataDirLockLayer("/tmp/tether-data")
 * ```
 */
export const dataDirLockLayer = (dataDir: string): Layer.Layer<never, DataDirInUse | DataDirError> =>
  Layer.effectDiscard(
    Effect.acquireRelease(
      Effect.try({
        try: () => acquireDataDirLock(dataDir),
        catch: (error) =>
          error instanceof DataDirInUse || error instanceof DataDirError
            ? error
            : new DataDirError({ message: messageOf(error), cause: error }),
      }),
      (lock) => Effect.sync(lock.release),
    ),
  )

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED" || /database is locked/i.test(messageOf(error))
}

const readHolder = (dataDir: string): Holder | null => {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), "utf8")) as Partial<Holder>
    return typeof parsed.pid === "number" && typeof parsed.started === "string"
      ? { pid: parsed.pid, started: parsed.started }
      : null
  } catch {
    return null
  }
}

const inUseMessage = (dataDir: string, holder: Holder | null): string => {
  const who =
    holder === null
      ? "another tether server"
      : `another tether server (pid ${holder.pid}, started ${holder.started})`
  return (
    `the data dir ${dataDir} is in use by ${who}: its event log belongs to one server process.\n` +
    `  Stop that server, or give this one its own --data-dir DIR.\n` +
    `  To run several instances on one event log, share it through Redis: --event-log redis --redis-url redis://HOST:PORT\n` +
    `  (see docs/several-instances.md).`
  )
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
