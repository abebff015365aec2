/**
 * Replacing the config file's content atomically, only if it still holds what was read, and only
 * ever a regular file's.
 *
 * @module
 */
import { type BigIntStats, linkSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs"
import { chmod, mkdir, open, realpath, stat, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { ConfigFileError, readConfigText } from "@tether/core"
import { exchangePaths } from "./exchange.ts"

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

/** Whether the regular file `seen` now at `path` still holds `expected` (a small file: read at once). */
const stillHolds = (path: string, seen: BigIntStats, expected: string): boolean =>
  sameFile(statSync(path, { bigint: true, throwIfNoEntry: false }), seen) &&
  readFileSync(path, "utf8") === expected

/**
 * Puts `temp` in place of `target` if `target` is still `seen` holding `expected` (`seen` undefined:
 * nothing there). No gap is left for a hand edit: a file created meanwhile makes the link fail; a
 * file saved or written meanwhile is found at `temp` after the exchange, and put back. `true` when
 * `temp` took the place; either way `temp` is gone when it returns. Where neither a hard link nor an
 * exchange can be made, a plain rename right after the last look (no await in between).
 */
const replaceIfSeen = (
  file: string,
  temp: string,
  target: string,
  seen: BigIntStats | undefined,
  expected: string | null,
  exchange: (a: string, b: string) => boolean,
): boolean => {
  const ours = statSync(temp, { bigint: true })
  if (seen !== undefined && expected !== null && exchange(temp, target)) {
    // `temp` now names what `target` held at the exchange: what was read, or a hand edit.
    if (stillHolds(temp, seen, expected)) {
      unlinkSync(temp)
      return true
    }
    // A hand edit landed after the last look: give it its place back. Should a newer one have replaced
    // ours meanwhile, that newer one goes back in place instead, as it would have without this write.
    if (exchange(temp, target) && sameFile(statSync(temp, { bigint: true, throwIfNoEntry: false }), ours)) {
      unlinkSync(temp)
    } else {
      renameSync(temp, target)
    }
    return false
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

/**
 * Replaces the config file's content atomically (readers see the old file or the new one, never half
 * of it) if it still holds `expected` (`null`: if there is still no file), else does nothing and
 * resolves `false`: read it again and redo the change.
 *
 * - A symbolic link is followed: its target is replaced, the link stays. The file keeps its mode.
 * - Only a regular file is replaced (or created where nothing is): anything else at the path or at
 *   the link's target (a device, a FIFO, a directory) throws `ConfigFileError` and stays as it was.
 * - The check leaves no gap for a hand edit: the content is compared once the new file is on disk,
 *   between two looks at the inode; then the file is swapped in by an atomic exchange (Linux's
 *   `renameat2`) and what it replaced is checked to be what was read, else put back. Without an
 *   exchange (another OS), a plain rename follows the last look with no await in between.
 *
 * `exchange` swaps two paths atomically, `false` when it cannot (default: {@link exchangePaths}).
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
  exchange: (a: string, b: string) => boolean = exchangePaths,
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
  return replaceIfSeen(file, temp, target, seen, expected, exchange)
}
