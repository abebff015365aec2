/**
 * The fault switch of the server's test entry point (`entry.ts`): which fault a spawned server gets
 * and when it triggers, read from the environment the test gives it. `layers.ts` applies it. The
 * shipped CLI never reads these variables; nothing here is in the published package.
 *
 * - `TETHER_TEST_FAULT=stall-bus`: the bus stops delivering to subscribers (events are still logged).
 * - `TETHER_TEST_FAULT=block-loop`: the event loop is blocked in long busy stretches.
 * - `TETHER_TEST_FAULT=store-fail`: every write to the event log throws.
 * - `TETHER_TEST_FAULT=read-fail`: every read of the event log (newest, resume, replay pages) throws.
 * - `@<ms>` delays the fault, counted from process start: `block-loop@3000`.
 * - `TETHER_TEST_FAULT_ONCE=<path>`: only the first process to arm the fault does (it creates `<path>`);
 *   a process started later (e.g. the supervisor's replacement child) sees the file and stays healthy.
 *
 * @module
 */
import { closeSync, openSync } from "node:fs"

/** The faults a test can inject. */
export type FaultKind = "stall-bus" | "block-loop" | "store-fail" | "read-fail"

const KINDS: readonly FaultKind[] = ["stall-bus", "block-loop", "store-fail", "read-fail"]

/** A parsed `TETHER_TEST_FAULT` value. */
export interface FaultSpec {
  readonly kind: FaultKind
  /** Milliseconds after start before the fault triggers. */
  readonly afterMs: number
}

/**
 * Parses `kind` or `kind@ms`. Throws on anything else: a typo in a test must fail loudly, not
 * silently run a healthy server.
 *
 * @example
 * ```ts
 * import { parseFaultSpec } from "./switch.ts"
 * parseFaultSpec("block-loop@3000") // { kind: "block-loop", afterMs: 3000 }
 * ```
 */
export const parseFaultSpec = (text: string): FaultSpec => {
  const [kind = "", delay] = text.trim().split("@")
  if (!KINDS.includes(kind as FaultKind)) {
    throw new Error(
      `TETHER_TEST_FAULT: unknown fault "${kind}"; expected one of ${KINDS.join(", ")} (optionally @<ms>)`,
    )
  }
  const afterMs = delay === undefined ? 0 : Number(delay)
  if (!Number.isInteger(afterMs) || afterMs < 0) {
    throw new Error(`TETHER_TEST_FAULT: delay must be a whole number of milliseconds, got "${delay}"`)
  }
  return { kind: kind as FaultKind, afterMs }
}

/** The switch the fault layers consult. */
export interface FaultSwitch {
  /** Whether `kind` is triggered now. Always `false` when no fault is configured. */
  active(kind: FaultKind): boolean
  /** Starts what runs on its own (the loop blocker). Idempotent; a no-op without a fault. */
  start(): void
  /** Stops the loop blocker (tests in one process). */
  stop(): void
}

/** Busy stretch and pause of `block-loop`: long enough for any lag threshold, short enough to answer HTTP. */
const BLOCK_MS = 1500
const PAUSE_MS = 20

/**
 * Builds a switch from an environment.
 *
 * @example
 * ```ts
 * import { createFaultSwitch } from "./switch.ts"
 * const faults = createFaultSwitch({ TETHER_TEST_FAULT: "store-fail@0" })
 * faults.active("store-fail") // true
 * ```
 */
export const createFaultSwitch = (
  env: Record<string, string | undefined>,
  now: () => number = Date.now,
): FaultSwitch => {
  const raw = env.TETHER_TEST_FAULT
  if (raw === undefined || raw === "") return noFaults
  const spec = parseFaultSpec(raw)
  const armAt = now() + spec.afterMs
  const oncePath = env.TETHER_TEST_FAULT_ONCE
  // null until decided: the "once" marker is claimed at the moment the fault would first trigger.
  let armed: boolean | null = null
  const isArmed = (): boolean => {
    if (armed !== null) return armed
    if (now() < armAt) return false
    armed = oncePath === undefined || oncePath === "" ? true : claim(oncePath)
    if (armed) process.stderr.write(`tether: TEST FAULT ${spec.kind} triggered (pid ${process.pid})\n`)
    return armed
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const blockLoop = (): void => {
    const on = isArmed()
    if (armed === false) return
    if (on) {
      const until = Date.now() + BLOCK_MS
      while (Date.now() < until) {
        // busy on purpose: this is the fault
      }
    }
    timer = setTimeout(blockLoop, armed === null ? Math.max(0, armAt - now()) : PAUSE_MS)
  }
  return {
    active: (kind) => kind === spec.kind && isArmed(),
    start: () => {
      if (spec.kind !== "block-loop" || timer !== undefined) return
      timer = setTimeout(blockLoop, Math.max(0, armAt - now()))
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}

const claim = (path: string): boolean => {
  try {
    closeSync(openSync(path, "wx"))
    return true
  } catch {
    return false
  }
}

const noFaults: FaultSwitch = { active: () => false, start: () => {}, stop: () => {} }
