/**
 * `bun --watch` (what `bun run dev` runs) restarts the server by re-executing the same process when a
 * source file changes, silently. This notices it and says why: the process keeps its pid across a
 * watch restart, so a note keyed by pid in the temp dir, written at each start, is found again by the
 * next start of the same process, which then names the loaded source files modified since.
 *
 * Bun stops the old program gracefully first (its shutdown runs), so a stop cannot delete the note;
 * it stamps it instead, and a start counts as a restart only within {@link RESTART_WINDOW_MS} of that
 * stamp: a later process that happens to get the same pid is not taken for a restart.
 *
 * @module
 */
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"

/** How soon after a stop a start of the same pid is taken for a watch restart. */
export const RESTART_WINDOW_MS = 10_000

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
 * first start, or not under `--watch`). Returns the function to call when the server stops.
 *
 * @example
 * ```ts
 * import { noteWatchStart } from "./watch-restart.ts"
 * const { restart, stopped } = noteWatchStart()
 * if (restart !== null) console.error(`restarted: ${restart.changed.join(", ")} changed`)
 * stopped()
 * ```
 */
export const noteWatchStart = (
  options: {
    execArgv?: readonly string[]
    dir?: string
    pid?: number
    modules?: () => readonly string[]
  } = {},
  now: () => number = Date.now,
): { readonly restart: WatchRestart | null; readonly stopped: () => void } => {
  if (!underWatch(options.execArgv)) return { restart: null, stopped: () => {} }
  const note = join(options.dir ?? tmpdir(), `tether-watch-${options.pid ?? process.pid}.json`)
  const previous = readNote(note)
  const started = now()
  const write = (value: Note) => {
    try {
      writeFileSync(note, JSON.stringify(value))
    } catch {
      // Only the next restart's reason is lost.
    }
  }
  write({ started })
  const stopped = () => write({ started, stopped: now() })
  const recent = previous?.stopped === undefined || started - previous.stopped <= RESTART_WINDOW_MS
  if (previous === null || !recent) return { restart: null, stopped }
  const changed = (options.modules ?? loadedModules)()
    .filter((file) => modifiedSince(file, previous.started))
    .map((file) => relative(process.cwd(), file))
  return { restart: { changed }, stopped }
}

interface Note {
  readonly started: number
  readonly stopped?: number
}

const readNote = (note: string): Note | null => {
  try {
    const { started, stopped } = JSON.parse(readFileSync(note, "utf8")) as Record<string, unknown>
    if (typeof started !== "number") return null
    return typeof stopped === "number" ? { started, stopped } : { started }
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
