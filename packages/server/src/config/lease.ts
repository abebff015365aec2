/**
 * Asking the kernel whether another process writes to a file: a Linux read lease
 * (`fcntl(F_SETLEASE, F_RDLCK)`), which Node's `fs` does not offer, called through `bun:ffi`.
 *
 * Why: an advisory lock binds only the programs that take it, and editors take none. A lease needs
 * nothing from them: it is refused while any process has the file open for writing, and once held,
 * any process opening the file for writing (or truncating it) waits in `open` until the lease is let
 * go, and the holder can see it waiting. So a writer that opened the config file before a PATCH
 * swapped it out is known, however late it writes.
 *
 * No signal ever reaches the server: the lease break's signal is set to `SIGURG` (ignored unless
 * handled) and its owner cleared right after, so the kernel sends none.
 *
 * @module
 */
import { dlopen, FFIType, read } from "bun:ffi"

const F_SETOWN = 8
const F_SETSIG = 10
const F_SETLEASE = 1024
const F_GETLEASE = 1025
const F_RDLCK = 0
const EAGAIN = 11
const SIGURG = 23

interface Libc {
  readonly fcntl: (fd: number, command: number, argument: number) => number
  readonly errno: () => number
}

// Loaded once, on first use; `null` where there is none (another OS, musl).
let libc: Libc | null | undefined

const load = (): Libc | null => {
  if (libc !== undefined) return libc
  libc = null
  if (process.platform !== "linux") return libc
  try {
    const { symbols } = dlopen("libc.so.6", {
      fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      __errno_location: { args: [], returns: FFIType.ptr },
    })
    libc = {
      fcntl: (fd, command, argument) => symbols.fcntl(fd, command, argument),
      errno: () => {
        const location = symbols.__errno_location()
        return location === null ? 0 : read.i32(location, 0)
      },
    }
  } catch {
    // No glibc to open: callers watch the file instead.
  }
  return libc
}

/**
 * What a read lease on a file tells: `held` (no other process has it open for writing, and one that
 * opens it now waits, seen by {@link writerWaiting}); `writing` (another process has it open for
 * writing right now); `unavailable` (no leases here: another OS, a file system or a file owner that
 * does not allow them, `fs.leases-enable` off).
 */
export type ReadLease = "held" | "writing" | "unavailable"

/**
 * Takes a read lease on `fd`, a file opened read-only. Let it go by closing `fd`.
 *
 * @example
 * ```ts
 * import { closeSync, openSync } from "node:fs"
 * import { takeReadLease, writerWaiting } from "./lease.ts"
 * const fd = openSync("tether.jsonc", "r")
 * if (takeReadLease(fd) === "held" && !writerWaiting(fd)) console.log("nobody writes to it")
 * closeSync(fd)
 * ```
 */
export const takeReadLease = (fd: number): ReadLease => {
  const call = load()
  if (call === null) return "unavailable"
  call.fcntl(fd, F_SETSIG, SIGURG)
  if (call.fcntl(fd, F_SETLEASE, F_RDLCK) !== 0) return call.errno() === EAGAIN ? "writing" : "unavailable"
  call.fcntl(fd, F_SETOWN, 0)
  return "held"
}

/**
 * Whether another process is opening (or truncating) the file `fd` holds a read lease on: it waits
 * in `open` until the lease is let go. Ask only while the lease is held: a lease that is gone (never
 * taken, or broken by the kernel after `fs.lease-break-time`) answers `true` too.
 *
 * @example
 * ```ts
 * import { openSync } from "node:fs"
 * import { takeReadLease, writerWaiting } from "./lease.ts"
 * const fd = openSync("tether.jsonc", "r")
 * takeReadLease(fd)
 * console.log(writerWaiting(fd) ? "someone is about to write" : "quiet")
 * ```
 */
export const writerWaiting = (fd: number): boolean => {
  const call = load()
  // While a break is pending, the kernel answers the type the lease is to become: F_UNLCK.
  return call === null || call.fcntl(fd, F_GETLEASE, 0) !== F_RDLCK
}
