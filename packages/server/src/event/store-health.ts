/**
 * What can go wrong with the SQLite log's files underneath a running server, and how each is seen:
 * a full disk, the file deleted or replaced, damaged pages. Each of these answered readiness 200 and
 * one of them acknowledged events into a deleted file, so the log checks them itself (see
 * `sqlite-log.ts`, which calls these from `append` and `probe`).
 *
 * @module
 */
import type { Database } from "bun:sqlite"
import { statfsSync, statSync } from "node:fs"
import { dirname } from "node:path"

/**
 * Free space under which the store is not ready: a publish may need a few hundred KiB of WAL frames
 * (a 256 KiB event, its b-tree pages), and a disk that close to full fails the next large one.
 */
export const MIN_FREE_BYTES = 1024 * 1024

/** A file's identity: device and inode, as text (bigint stats: inode numbers may pass 2^53). */
const identityOf = (path: string): string | undefined => {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false })
  return stats === undefined ? undefined : `${stats.dev}:${stats.ino}`
}

/**
 * Remembers which files a connection opened, to tell later whether the paths still name them. SQLite
 * keeps writing to a file deleted or renamed under it, and the next start opens a new one at the path:
 * every event acknowledged meanwhile would be gone. The WAL counts too: in WAL mode a commit lives
 * there until a checkpoint.
 *
 * @example
 * ```ts
 * import { watchFiles } from "./store-health.ts"
 * const files = watchFiles(["/data/events.sqlite", "/data/events.sqlite-wal"])
 * files.moved() // undefined while both are in place, else why not
 * ```
 */
export const watchFiles = (paths: readonly string[]): { moved(): string | undefined } => {
  const opened = paths.map((path) => ({ path, identity: identityOf(path) }))
  return {
    moved: () => {
      for (const { path, identity } of opened) {
        if (identity === undefined) continue
        const now = identityOf(path)
        if (now === identity) continue
        return now === undefined
          ? `${path} was deleted while the server ran`
          : `${path} was replaced by another file while the server ran`
      }
      return undefined
    },
  }
}

/**
 * Bytes a write to `file`'s directory may still use: the free blocks for root (SQLite as root may use
 * the reserve), the available ones for anyone else.
 *
 * @example
 * ```ts
 * import { freeBytes } from "./store-health.ts"
 * freeBytes("/data/events.sqlite") // e.g. 52428800
 * ```
 */
export const freeBytes = (file: string): number => {
  const stats = statfsSync(dirname(file))
  const blocks = process.getuid?.() === 0 ? stats.bfree : stats.bavail
  return blocks * stats.bsize
}

/**
 * Whether an error from SQLite says the file is damaged (`SQLITE_CORRUPT*`, `SQLITE_NOTADB`): it will
 * not heal by retrying, unlike a full disk or a lock.
 *
 * @example
 * ```ts
 * import { isDamage } from "./store-health.ts"
 * isDamage(Object.assign(new Error("database disk image is malformed"), { code: "SQLITE_CORRUPT" })) // true
 * ```
 */
export const isDamage = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB")
}

/**
 * SQLite's `quick_check` (page structure, every page read once; about 25 ms for 40 MB): the first
 * problems it reports, or `undefined` when the file is sound.
 *
 * @example
 * ```ts
 * import { Database } from "bun:sqlite"
 * import { damageOf } from "./store-health.ts"
 * damageOf(new Database(":memory:")) // undefined
 * ```
 */
export const damageOf = (db: Database): string | undefined => {
  try {
    const rows = db.query<{ quick_check: string }, []>("PRAGMA quick_check(3)").all()
    const problems = rows.map((row) => row.quick_check).filter((message) => message !== "ok")
    // One line, for logs and the readiness body: the first row starts "*** in database main ***\n".
    return problems.length === 0 ? undefined : problems.join("; ").replace(/\s*\n\s*/g, " ")
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}
