import { expect, test } from "bun:test"
import { LoopBudget } from "./loop-budget.ts"

test("work goes on at once within a turn's budget, then waits for a later turn, in arrival order", async () => {
  let now = 0
  const budget = new LoopBudget({ budgetMs: 8, now: () => now })
  expect(budget.pause()).toBeNull()
  now = 7
  expect(budget.pause()).toBeNull()
  now = 8
  const order: string[] = []
  const first = budget.pause()
  const second = budget.pause()
  expect(first).not.toBeNull()
  expect(budget.queued).toBe(2)
  void first?.then(() => order.push("first"))
  void second?.then(() => order.push("second"))
  // Nothing resumes before the loop has had its turn (timers and I/O run in between).
  await Promise.resolve()
  expect(order).toEqual([])
  await new Promise((resolve) => setImmediate(resolve))
  await Promise.resolve()
  expect(order).toEqual(["first", "second"])
  expect(budget.queued).toBe(0)
})

test("bytes handed to sockets count too: past the byte budget the rest waits, but a turn always moves", async () => {
  const budget = new LoopBudget({ budgetMs: 1000, budgetBytes: 100, now: () => 0 })
  expect(budget.pause(60)).toBeNull()
  expect(budget.pause(60)).not.toBeNull()
  await new Promise((resolve) => setImmediate(resolve))
  // A new turn: one frame larger than the whole budget still goes, alone.
  expect(budget.pause(500)).toBeNull()
  expect(budget.pause(1)).not.toBeNull()
})

test("while tasks wait, a newcomer queues behind them even with budget left", async () => {
  let now = 0
  const budget = new LoopBudget({ budgetMs: 8, now: () => now })
  budget.pause()
  now = 10
  const waiting = budget.pause()
  expect(waiting).not.toBeNull()
  now = 0
  expect(budget.pause()).not.toBeNull()
  expect(budget.queued).toBe(2)
  await new Promise((resolve) => setImmediate(resolve))
  expect(budget.queued).toBe(0)
})
