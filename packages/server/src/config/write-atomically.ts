/**
 * Replacing the config file's content atomically, and only ever a regular file's.
 *
 * @module
 */
import { renameSync, statSync } from "node:fs"
import { chmod, mkdir, open, realpath, stat, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { ConfigFileError } from "@tether/core"

const isMissing = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

/**
 * The target's identity, size and times (`"absent"` when nothing is there); throws when it is not a
 * regular file any more (swapped for a device or a FIFO since it was checked).
 */
const snapshot = (file: string, target: string): string => {
  const info = statSync(target, { bigint: true, throwIfNoEntry: false })
  if (info === undefined) return "absent"
  if (!info.isFile()) throw notRegular(file, target)
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`
}

const notRegular = (file: string, target: string): ConfigFileError => {
  const what = target === file ? file : `${file} (a symbolic link to ${target})`
  return new ConfigFileError(file, `Cannot write config file ${what}: only a regular file is ever replaced`)
}

/**
 * Replaces a file's content atomically: readers see the old file or the new one, never half of it.
 * A symbolic link is followed (its target is replaced, the link stays); the file keeps its mode.
 * Only a regular file is replaced (or created where nothing is): anything else at the path or at
 * the link's target (a device, a FIFO, a directory) throws `ConfigFileError` and stays as it was.
 *
 * `unchanged` runs after the new content is on disk and right before the rename: when it answers
 * `false` (the file changed since it was read), nothing is replaced and the result is `false`. So
 * does a change of the target's inode, size or times while `unchanged` ran: the last look and the
 * rename are synchronous, so no other task runs between them.
 *
 * @example
 * ```ts
 * import { writeAtomically } from "./write-atomically.ts"
 * const before = await Bun.file("tether.jsonc").text()
 * const written = await writeAtomically("tether.jsonc", "{}\n", async () => (await Bun.file("tether.jsonc").text()) === before)
 * console.log(written ? "written" : "changed meanwhile: read it again")
 * ```
 */
export const writeAtomically = async (
  file: string,
  text: string,
  unchanged: () => Promise<boolean> = async () => true,
): Promise<boolean> => {
  const target = await realpath(file).catch(() => file)
  const info = await stat(target).catch((error: unknown) => {
    if (isMissing(error)) return null
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
  try {
    await handle.writeFile(text, "utf8")
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await chmod(temp, mode)
    // Last thing before the rename, so that the window in which a hand edit can still be lost is
    // one system call wide rather than the whole read-edit-write: the content is compared
    // (asynchronously), then the metadata is checked unchanged and the rename made with no await in
    // between, so no event-loop turn (about a millisecond under load) separates them.
    const seen = snapshot(file, target)
    if (!(await unchanged()) || snapshot(file, target) !== seen) {
      await unlink(temp)
      return false
    }
    renameSync(temp, target)
    return true
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}
