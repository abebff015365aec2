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
export const TURN_BUDGET_MS = 8

/**
 * Shares event-loop turns among tasks.
 *
 * @example
 * ```ts
 * import { LoopBudget } from "./loop-budget.ts"
 * const budget = new LoopBudget()
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
  private waiting: (() => void)[] = []
  private readonly budgetMs: number
  private readonly now: () => number

  constructor(budgetMs: number = TURN_BUDGET_MS, now: () => number = () => performance.now()) {
    this.budgetMs = budgetMs
    this.now = now
  }

  /** How many tasks wait for a later turn. */
  get queued(): number {
    return this.waiting.length
  }

  /**
   * `null` while this turn has budget left (go on synchronously: no promise, no allocation on the hot
   * path), else a promise that resolves in a later turn.
   */
  pause(): Promise<void> | null {
    const now = this.now()
    if (this.turnStart === null) {
      this.turnStart = now
      setImmediate(this.nextTurn)
    }
    if (now - this.turnStart < this.budgetMs && this.waiting.length === 0) return null
    return new Promise((resolve) => this.waiting.push(resolve))
  }

  // A new turn: the waiting tasks resume in order, each asking again at its next checkpoint, so those
  // the budget does not cover wait once more, behind the ones that ran.
  private readonly nextTurn = (): void => {
    this.turnStart = null
    const waiting = this.waiting
    if (waiting.length === 0) return
    this.waiting = []
    for (const wake of waiting) wake()
  }
}
