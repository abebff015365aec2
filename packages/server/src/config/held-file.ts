/**
 * The config file as a PATCH read it, held open while the PATCH replaces it: whether anything
 * writes into that file from then on, at its name or after it was swapped out.
 *
 * Why: replacing a file by name does not reach a writer that already opened it. Its write goes into
 * the file swapped out, and would be lost with it. Held open, that file can still be looked at (and
 * put back) however late the write comes; with a read lease (`lease.ts`) the kernel also tells of a
 * writer that has it open or is opening it, before it writes anything.
 *
 * The lease makes any process that opens the held file for writing wait, this one too: the server
 * never does (it writes a new file and swaps it in); a synchronous open from the same thread would
 * wait on its own lease until the kernel breaks it (`fs.lease-break-time`, 45 s).
 *
 * @module
 */
import { type BigIntStats, closeSync, constants, fstatSync, openSync, readSync } from "node:fs"
import { MAX_CONFIG_BYTES } from "@tether/core"
import { takeReadLease, writerWaiting } from "./lease.ts"

/** A file held open, with what it held when taken. */
export interface HeldFile {
  /**
   * Whether it no longer holds what it held when taken (size, modification time or content), or
   * (leased) another process is opening it to write.
   */
  changed(): boolean
  /** Lets it go (the lease with it: a writer waiting in `open` goes on). */
  release(): void
}

/** Its content, read through `fd` from the start (one byte past the cap at most: too big is a change). */
const contentOf = (fd: number): string => {
  const chunks: Buffer[] = []
  let position = 0
  while (position <= MAX_CONFIG_BYTES) {
    const chunk = Buffer.allocUnsafe(64 * 1024)
    const length = readSync(fd, chunk, 0, chunk.length, position)
    if (length === 0) break
    chunks.push(chunk.subarray(0, length))
    position += length
  }
  return Buffer.concat(chunks).toString("utf8")
}

/**
 * Opens `path` read-only (never following a symbolic link, never waiting on a FIFO) and holds it if
 * it is still the regular file `seen` holding `expected`. `writing`: another process has it open for
 * writing now (a save in progress, or an editor keeping it open); `changed`: it is not what was read.
 * `leases: false` only looks (other OSes do the same on their own).
 *
 * @example
 * ```ts
 * import { statSync } from "node:fs"
 * import { holdFile } from "./held-file.ts"
 * const seen = statSync("tether.jsonc", { bigint: true })
 * const held = holdFile("tether.jsonc", seen, "{}\n")
 * if (typeof held !== "string") {
 *   console.log(held.changed() ? "edited meanwhile" : "as read")
 *   held.release()
 * }
 * ```
 */
export const holdFile = (
  path: string,
  seen: BigIntStats,
  expected: string,
  leases = true,
): HeldFile | "writing" | "changed" => {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
  } catch {
    // Gone, or a symbolic link now: the caller looks again and says what it is.
    return "changed"
  }
  const release = (): void => closeSync(fd)
  try {
    const taken = fstatSync(fd, { bigint: true })
    if (!taken.isFile() || taken.dev !== seen.dev || taken.ino !== seen.ino) {
      release()
      return "changed"
    }
    const lease = leases ? takeReadLease(fd) : "unavailable"
    if (lease === "writing") {
      release()
      return "writing"
    }
    const leased = lease === "held"
    // Read after the lease: a write that came before it is in the content, one after it waits.
    const same = (): boolean => {
      const now = fstatSync(fd, { bigint: true })
      return now.size === seen.size && now.mtimeNs === seen.mtimeNs && contentOf(fd) === expected
    }
    const held: HeldFile = {
      changed: () => (leased && writerWaiting(fd)) || !same(),
      release,
    }
    if (held.changed()) {
      release()
      return "changed"
    }
    return held
  } catch (error) {
    release()
    throw error
  }
}
