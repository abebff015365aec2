/**
 * A process that someone waits on must not outlive them. `tether serve` is started through a chain:
 * `bun run tether` / `npx tether` (→ `sh -c`) / `bun run start` / `tether serve --supervise`, each of
 * which waits for its child. When a link dies without passing a signal on (SIGKILL; or `npx`, which
 * relays SIGTERM to its `sh -c` only, and `sh` dies of it without telling `bun`), the process below is
 * reparented and would keep the port and the data dir forever, unseen by any process manager.
 *
 * So such a process polls its parent pid and stops when the parent that started it is gone. Polling
 * `process.ppid` is one cheap syscall, works on Linux and macOS alike, and needs no cooperation from the
 * parent (a `prctl(PR_SET_PDEATHSIG)` would need FFI and fires on the death of the spawning *thread*).
 *
 * Who counts as such a parent:
 * - the supervisor, named by `TETHER_SUPERVISOR_PID` in its child's environment;
 * - a package manager's script runner or `npx` (the environment has `npm_lifecycle_event`): they wait
 *   for their command, so the parent this process started under is the one to outlive.
 * A process started any other way (`tether serve &`, `nohup`, systemd) is left alone: its parent
 * leaving is normal.
 *
 * @module
 */

/** The env var a supervised child finds its supervisor's pid in. */
export const SUPERVISOR_PID_ENV = "TETHER_SUPERVISOR_PID"

// Read when the CLI loads, before any time passes in which the parent could die unseen.
const startedUnder = process.ppid

/** Options of {@link watchParent}. */
export interface ParentWatchOptions {
  /** Called once, when the parent is gone, with its pid. */
  readonly onGone: (parent: number) => void
  /** Default `process.env`. */
  readonly env?: Record<string, string | undefined>
  /** Poll interval. Default 250 ms: a killed launcher's server stops within about that. */
  readonly everyMs?: number
}

/**
 * The pid this process must not outlive, or `null` when it was not started by someone who waits for it.
 *
 * @example
 * ```ts
 * import { awaitedParent } from "./parent-watch.ts"
 * awaitedParent({ TETHER_SUPERVISOR_PID: "4242" }) // 4242
 * awaitedParent({}) // null: started from a shell, under nohup, by systemd…
 * ```
 */
export const awaitedParent = (env: Record<string, string | undefined> = process.env): number | null => {
  const supervisor = Number(env[SUPERVISOR_PID_ENV])
  if (Number.isInteger(supervisor) && supervisor > 0) return supervisor
  return env.npm_lifecycle_event !== undefined && env.npm_lifecycle_event !== "" ? startedUnder : null
}

/**
 * Calls `onGone` once the parent from {@link awaitedParent} is gone (this process was reparented).
 * A no-op when there is no such parent. Returns a function that stops watching. The timer is unref'd:
 * it never keeps the process alive on its own.
 *
 * @example
 * ```ts
 * import { watchParent } from "./parent-watch.ts"
 * // in `tether serve`, once listening: stop as on SIGTERM (streams ended, log flushed)
 * watchParent({ onGone: () => process.kill(process.pid, "SIGTERM") })
 * ```
 */
export const watchParent = (options: ParentWatchOptions): (() => void) => {
  const parent = awaitedParent(options.env)
  if (parent === null) return () => {}
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    options.onGone(parent)
  }, options.everyMs ?? 250)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * {@link watchParent} for a server process: says why on stderr, then stops as on SIGTERM (streams end,
 * the event log is flushed, exit 0).
 *
 * @example
 * ```ts
 * import { stopWhenParentGone } from "./parent-watch.ts"
 * stopWhenParentGone() // in `tether serve`, once listening
 * ```
 */
export const stopWhenParentGone = (env: Record<string, string | undefined> = process.env, everyMs?: number) =>
  watchParent({
    env,
    ...(everyMs === undefined ? {} : { everyMs }),
    onGone: (parent) => {
      process.stderr.write(`tether: the process that started this one (pid ${parent}) is gone; stopping\n`)
      process.kill(process.pid, "SIGTERM")
    },
  })
