/**
 * Replacing the config file's content atomically, only if it still holds what was read, and only
 * ever a regular file's.
 *
 * @module
 */
import { type BigIntStats, linkSync, renameSync, statSync, unlinkSync } from "node:fs"
import { chmod, mkdir, open, realpath, stat, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { ConfigFileError, readConfigText } from "@tether/core"
import { exchangePaths } from "./exchange.ts"
import { holdFile } from "./held-file.ts"

const errorCode = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "code" in error ? error.code : undefined

const notRegular = (file: string, target: string): ConfigFileError => {
  const what = target === file ? file : `${file} (a symbolic link to ${target})`
  return new ConfigFileError(file, `Cannot write config file ${what}: only a regular file is ever replaced`)
}

/** What is at `target` now (`undefined`: nothing); throws when it is not a regular file any more. */
const look = (file: string, target: string): BigIntStats | undefined => {
  const info = statSync(target, { bigint: true, throwIfNoEntry: false })
  if (info !== undefined && !info.isFile()) throw notRegular(file, target)
  return info
}

/** The same inode with, as far as it tells, the same content: identity, size, modification time. */
const sameFile = (a: BigIntStats | undefined, b: BigIntStats | undefined): boolean =>
  a === undefined || b === undefined
    ? a === b
    : a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs

/** {@link sameFile}, and not touched at all: the change time too (which a rename or exchange updates). */
const untouched = (a: BigIntStats | undefined, b: BigIntStats | undefined): boolean =>
  sameFile(a, b) && a?.ctimeNs === b?.ctimeNs

/** The file's text, `null` when nothing is there (as the caller read it: the core's reader). */
const currentText = async (file: string): Promise<string | null> =>
  readConfigText(file).catch((error: unknown) => {
    if (error instanceof ConfigFileError && error.missing) return null
    throw error
  })

/**
 * Gives the file the exchange took out (now at `temp`) its place back, unless the path no longer
 * holds ours: a file saved there since is newer, and stays, as it would have without this write.
 */
const putBack = (
  temp: string,
  target: string,
  ours: BigIntStats,
  exchange: (a: string, b: string) => boolean,
): void => {
  if (exchange(temp, target) && sameFile(statSync(temp, { bigint: true, throwIfNoEntry: false }), ours)) {
    unlinkSync(temp)
  } else {
    renameSync(temp, target)
  }
}

/**
 * Swaps `temp` in for `target` if `target` is still `seen` holding `expected`, holding the file it
 * replaces open (`held-file.ts`) from before the swap until `graceMs` after it: a writer that has it
 * open then or opens it meanwhile (a lease tells), or anything written into it by then, and it is put
 * back. `replaced`; `kept` (nothing replaced, a hand edit kept); `no exchange` (none on this system:
 * nothing done, `temp` still ours). `temp` is gone unless `no exchange`.
 */
const exchangeIfSeen = async (
  file: string,
  temp: string,
  target: string,
  seen: BigIntStats,
  expected: string,
  options: Required<WriteOptions>,
): Promise<"replaced" | "kept" | "no exchange"> => {
  const held = holdFile(target, seen, expected, options.leases)
  if (typeof held === "string") {
    unlinkSync(temp)
    // A writer has it open: its save is under way; read again once it is likely done.
    if (held === "writing") await sleep(WRITING_WAIT_MS)
    return "kept"
  }
  try {
    let ours: BigIntStats
    try {
      ours = statSync(temp, { bigint: true })
      // No await from this last look to the exchange.
      if (held.changed() || !untouched(look(file, target), seen)) {
        unlinkSync(temp)
        return "kept"
      }
    } catch (error) {
      unlinkSync(temp)
      throw error
    }
    if (!options.exchange(temp, target)) return "no exchange"
    // `temp` now names what `target` held at the exchange: the held file, or one saved since the look.
    if (!sameFile(statSync(temp, { bigint: true, throwIfNoEntry: false }), seen) || held.changed()) {
      putBack(temp, target, ours, options.exchange)
      return "kept"
    }
    // A writer that opened it before the exchange writes into it now, not into ours: wait for that.
    const until = performance.now() + options.graceMs
    while (performance.now() < until) {
      await sleep(POLL_MS)
      if (held.changed()) {
        putBack(temp, target, ours, options.exchange)
        return "kept"
      }
    }
    unlinkSync(temp)
    return "replaced"
  } finally {
    // After any put back: a writer waiting in `open` goes on, into the file at its place.
    held.release()
  }
}

/**
 * Puts `temp` in place of `target` if `target` is still `seen` holding `expected` (`seen` undefined:
 * nothing there). `true` when `temp` took the place; either way `temp` is gone when it returns.
 * An existing file is exchanged (`exchangeIfSeen`). A file created meanwhile makes the link that
 * creates one fail. Where neither a hard link nor an exchange can be made, a plain rename right after
 * the last look (no await in between).
 */
const replaceIfSeen = async (
  file: string,
  temp: string,
  target: string,
  seen: BigIntStats | undefined,
  expected: string | null,
  options: Required<WriteOptions>,
): Promise<boolean> => {
  if (seen !== undefined && expected !== null) {
    const done = await exchangeIfSeen(file, temp, target, seen, expected, options)
    if (done !== "no exchange") return done === "replaced"
  }
  try {
    if (seen === undefined) {
      try {
        // Fails if a file was created meanwhile, which a rename would replace.
        linkSync(temp, target)
        unlinkSync(temp)
        return true
      } catch (error) {
        if (errorCode(error) === "EEXIST") {
          unlinkSync(temp)
          return false
        }
        // No hard links on this file system: the rename below.
      }
    }
    if (!untouched(look(file, target), seen)) {
      unlinkSync(temp)
      return false
    }
    renameSync(temp, target)
    return true
  } catch (error) {
    // On this path `temp` was never exchanged: it is only ever our own file.
    try {
      unlinkSync(temp)
    } catch {}
    throw error
  }
}

/** How {@link writeAtomically} replaces the file; the defaults are the server's. */
export interface WriteOptions {
  /** Swaps two paths atomically, `false` when it cannot (default: {@link exchangePaths}). */
  readonly exchange?: (a: string, b: string) => boolean
  /** How long the file swapped out stays held and watched for a writer that had it open, in ms. Default 50. */
  readonly graceMs?: number
  /** Whether to ask the kernel about writers with a read lease (default `true`); `false`: only watch. */
  readonly leases?: boolean
}

// Long enough for a writer that opened the file just before the exchange to write (microseconds
// unless it is descheduled right then); every PATCH that replaces a file takes that much longer.
const GRACE_MS = 50
// How often the held file is looked at meanwhile.
const POLL_MS = 2
// A writer has the file open: how long before it is read again (an editor's save takes far less).
const WRITING_WAIT_MS = 20

/**
 * Replaces the config file's content atomically (readers see the old file or the new one, never half
 * of it) if it still holds `expected` (`null`: if there is still no file), else does nothing and
 * resolves `false`: read it again and redo the change.
 *
 * - A symbolic link is followed: its target is replaced, the link stays. The file keeps its mode.
 * - Only a regular file is replaced (or created where nothing is): anything else at the path or at
 *   the link's target (a device, a FIFO, a directory) throws `ConfigFileError` and stays as it was.
 * - A hand edit is never replaced: the content is compared once the new file is on disk, between
 *   two looks at the inode; the file is then held open under a read lease (a process that has it
 *   open for writing makes this resolve `false` after a short wait: its save is under way), swapped
 *   out by an atomic exchange (Linux's `renameat2`), and watched for `graceMs`: anything written into
 *   it, or a writer opening it (which the lease makes wait), and it is put back in place before that
 *   writer goes on. Without an exchange (another OS), a plain rename follows the last look with no
 *   await in between.
 *
 * @example
 * ```ts
 * import { readConfigText } from "@tether/core"
 * import { writeAtomically } from "./write-atomically.ts"
 * const before = await readConfigText("tether.jsonc")
 * const written = await writeAtomically("tether.jsonc", before.replace("5000", "1000"), before)
 * console.log(written ? "written" : "changed meanwhile: read it again")
 * ```
 */
export const writeAtomically = async (
  file: string,
  text: string,
  expected: string | null,
  options: WriteOptions = {},
): Promise<boolean> => {
  const target = await realpath(file).catch(() => file)
  const info = await stat(target).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return null
    throw error
  })
  if (info !== null && !info.isFile()) throw notRegular(file, target)
  const mode = info === null ? 0o644 : info.mode & 0o777
  await mkdir(dirname(target), { recursive: true })
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  )
  const handle = await open(temp, "wx", mode)
  let seen: BigIntStats | undefined
  try {
    try {
      await handle.writeFile(text, "utf8")
      await handle.sync()
    } finally {
      await handle.close()
    }
    await chmod(temp, mode)
    seen = look(file, target)
    if ((await currentText(file)) !== expected || !untouched(look(file, target), seen)) {
      await unlink(temp)
      return false
    }
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
  return replaceIfSeen(file, temp, target, seen, expected, {
    exchange: options.exchange ?? exchangePaths,
    graceMs: options.graceMs ?? GRACE_MS,
    leases: options.leases ?? true,
  })
}
