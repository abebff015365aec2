/**
 * Swapping what two paths name in one step: Linux's `renameat2(…, RENAME_EXCHANGE)`, which Node's
 * `fs` does not offer, called through `bun:ffi`. Where it is missing (another OS, a libc without it,
 * a file system that refuses it) the answer is `false` and nothing changed, so callers fall back.
 *
 * Why: a rename over a file destroys whatever is there at that instant. An exchange keeps it, at the
 * other name, so a writer can check that what it replaced is what it had read, and give back a hand
 * edit that slipped in between its last look and its write.
 *
 * @module
 */
import { dlopen, FFIType } from "bun:ffi"

const AT_FDCWD = -100
const RENAME_EXCHANGE = 2

type RenameAt2 = (
  oldDir: number,
  oldPath: Uint8Array,
  newDir: number,
  newPath: Uint8Array,
  flags: number,
) => number

// Loaded once, on first use; `null` where there is none.
let renameat2: RenameAt2 | null | undefined

const load = (): RenameAt2 | null => {
  if (renameat2 !== undefined) return renameat2
  renameat2 = null
  if (process.platform !== "linux") return renameat2
  try {
    const { symbols } = dlopen("libc.so.6", {
      renameat2: {
        args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.u32],
        returns: FFIType.i32,
      },
    })
    renameat2 = (oldDir, oldPath, newDir, newPath, flags) =>
      symbols.renameat2(oldDir, oldPath, newDir, newPath, flags)
  } catch {
    // musl, or no libc to open: the callers' fallback applies.
  }
  return renameat2
}

const cString = (path: string): Uint8Array => Buffer.from(`${path}\0`)

/**
 * Atomically swaps the files (or any entries) at `a` and `b`, which must both exist; `true` when done.
 * `false` when it cannot be done here or failed (one of them missing, a file system without support):
 * then nothing changed.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs"
 * import { exchangePaths } from "./exchange.ts"
 * writeFileSync("/tmp/a", "A")
 * writeFileSync("/tmp/b", "B")
 * if (exchangePaths("/tmp/a", "/tmp/b")) console.log("a holds B, b holds A")
 * ```
 */
export const exchangePaths = (a: string, b: string): boolean => {
  const call = load()
  return call !== null && call(AT_FDCWD, cString(a), AT_FDCWD, cString(b), RENAME_EXCHANGE) === 0
}
