/**
 * A time budget per event-loop turn for background work that many tasks share (replays): each task
 * asks `pause()` at its checkpoints; while the current turn has budget left it goes on at once, and
 * past it every task waits for a later turn, in arrival order. Between turns the loop runs timers and
 * I/O, so heartbeats, publishes and readiness answer within about one budget however many tasks run.
 *
 * Why not `await` alone: promises that resolve at once chain in the same microtask checkpoint, so
 * 300 replays, each awaiting a socket that is already writable, never let the loop poll I/O
 * (issue 17 measured 5–25 s stalls). And why not one `setImmediate` per task: the tasks queued in one
 * turn all run in the next one, 300 slices back to back.
 *
 * @module
 */

/** Default work per turn, in ms: well under the 100 ms lag target, large enough to amortise a turn. */
export const TURN_BUDGET_MS = 4

/**
 * Default bytes handed to sockets per turn. Copying them into the runtime's buffers is quick and shows
 * little on the clock; sending them (on loopback, the kernel also runs the receiver's side in the
 * sender's call) comes after, at the end of the turn, and costs far more: bytes are budgeted too.
 */
export const TURN_BUDGET_BYTES = 1024 * 1024

/**
 * Shares event-loop turns among tasks.
 *
 * @example
 * ```ts
 * import { LoopBudget } from "./loop-budget.ts"
 * const budget = new LoopBudget({ budgetMs: 8 })
 * const work = async (items: number[]) => {
 *   for (const item of items) {
 *     const wait = budget.pause()
 *     if (wait !== null) await wait
 *     console.log(item)
 *   }
 * }
 * ```
 */
export class LoopBudget {
  // When the current turn's work began; null when no task has run since the last turn ended.
  private turnStart: number | null = null
  private turnBytes = 0
  private waiting: (() => void)[] = []
  private readonly budgetMs: number
  private readonly budgetBytes: number
  private readonly now: () => number

  constructor(options: { budgetMs?: number; budgetBytes?: number; now?: () => number } = {}) {
    this.budgetMs = options.budgetMs ?? TURN_BUDGET_MS
    this.budgetBytes = options.budgetBytes ?? TURN_BUDGET_BYTES
    this.now = options.now ?? (() => performance.now())
  }

  /** How many tasks wait for a later turn. */
  get queued(): number {
    return this.waiting.length
  }

  /**
   * `null` while this turn has budget left for `bytes` more (go on synchronously: no promise, no
   * allocation on the hot path; the bytes are then counted), else a promise that resolves in a later
   * turn (ask again then).
   */
  pause(bytes = 0): Promise<void> | null {
    const now = this.now()
    if (this.turnStart === null) {
      this.turnStart = now
      this.turnBytes = 0
      setImmediate(this.nextTurn)
    }
    const spent = this.turnBytes > 0 && this.turnBytes + bytes > this.budgetBytes
    if (now - this.turnStart < this.budgetMs && !spent && this.waiting.length === 0) {
      this.turnBytes += bytes
      return null
    }
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  // A new turn: the waiting tasks resume in order, each asking again at its next checkpoint, so those
  // the budget does not cover wait once more, behind the ones that ran.
  private readonly nextTurn = (): void => {
    this.turnStart = null
    this.turnBytes = 0
    const waiting = this.waiting
    if (waiting.length === 0) return
    this.waiting = []
    for (const wake of waiting) wake()
  }
}
