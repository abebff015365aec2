/**
 * `bun --watch` (what `bun run dev` runs) restarts the server by re-executing the same process when a
 * source file changes, silently. This notices it and says why: the process keeps its pid across a
 * watch restart, so a note keyed by pid in the temp dir, written at each start, is found again by the
 * next start of the same process, which then names the loaded source files modified since.
 *
 * @module
 */
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"

/** Whether this process runs under `bun --watch` / `--hot`. */
export const underWatch = (execArgv: readonly string[] = process.execArgv): boolean =>
  execArgv.some((arg) => arg === "--watch" || arg === "--hot")

/** What `noteWatchStart` found. */
export interface WatchRestart {
  /** Source files (relative to the working dir) modified since the previous start. */
  readonly changed: readonly string[]
}

/**
 * Records this start and tells whether it is a restart of the same watched process (`null`: the
 * first start, or not under `--watch`). Returns the function that removes the note (a clean stop).
 *
 * @example
 * ```ts
 * import { noteWatchStart } from "./watch-restart.ts"
 * const { restart, forget } = noteWatchStart()
 * if (restart !== null) console.error(`restarted: ${restart.changed.join(", ")} changed`)
 * forget()
 * ```
 */
export const noteWatchStart = (
  options: {
    execArgv?: readonly string[]
    dir?: string
    pid?: number
    modules?: () => readonly string[]
  } = {},
): { readonly restart: WatchRestart | null; readonly forget: () => void } => {
  if (!underWatch(options.execArgv)) return { restart: null, forget: () => {} }
  const note = join(options.dir ?? tmpdir(), `tether-watch-${options.pid ?? process.pid}.json`)
  const previous = readStarted(note)
  const now = Date.now()
  try {
    writeFileSync(note, JSON.stringify({ started: now }))
  } catch {
    // Only the next restart's reason is lost.
  }
  const forget = () => rmSync(note, { force: true })
  if (previous === null) return { restart: null, forget }
  const changed = (options.modules ?? loadedModules)()
    .filter((file) => modifiedSince(file, previous))
    .map((file) => relative(process.cwd(), file))
  return { restart: { changed }, forget }
}

const readStarted = (note: string): number | null => {
  try {
    const { started } = JSON.parse(readFileSync(note, "utf8")) as { started?: unknown }
    return typeof started === "number" ? started : null
  } catch {
    return null
  }
}

// The files Bun loaded for this program, outside node_modules: what `--watch` watches.
const loadedModules = (): string[] =>
  [Bun.main, ...Object.keys(require.cache)].filter((file) => !file.includes("/node_modules/"))

const modifiedSince = (file: string, since: number): boolean => {
  try {
    return statSync(file).mtimeMs > since
  } catch {
    return false
  }
}
