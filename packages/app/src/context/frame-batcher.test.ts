import { expect, test } from "bun:test"
import { createFrameBatcher, type FrameScheduler } from "./frame-batcher.ts"

/** A frame clock the test advances by hand. */
const manualFrames = () => {
  let callbacks = new Map<number, () => void>()
  let next = 0
  const scheduler: FrameScheduler = {
    request(callback) {
      const id = next++
      callbacks.set(id, callback)
      return id
    },
    cancel(handle) {
      callbacks.delete(handle as number)
    },
  }
  const frame = () => {
    const due = callbacks
    callbacks = new Map()
    for (const cb of due.values()) cb()
  }
  return { scheduler, frame, pending: () => callbacks.size }
}

test("a burst pushed within one frame is flushed once, in order", () => {
  const frames = manualFrames()
  const flushed: number[][] = []
  const batcher = createFrameBatcher<number>((items) => flushed.push(items), frames.scheduler)
  for (let i = 0; i < 1000; i++) batcher.push(i)
  expect(frames.pending()).toBe(1)
  expect(flushed).toEqual([])
  frames.frame()
  expect(flushed.length).toBe(1)
  expect(flushed[0]).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  batcher.push(1000)
  frames.frame()
  expect(flushed.map((b) => b.length)).toEqual([1000, 1])
})

test("an idle batcher schedules no frame", () => {
  const frames = manualFrames()
  createFrameBatcher<number>(() => {}, frames.scheduler)
  expect(frames.pending()).toBe(0)
})

test("flush() delivers at once and cancels the pending frame", () => {
  const frames = manualFrames()
  const flushed: string[][] = []
  const batcher = createFrameBatcher<string>((items) => flushed.push(items), frames.scheduler)
  batcher.push("a")
  batcher.flush()
  expect(flushed).toEqual([["a"]])
  expect(frames.pending()).toBe(0)
})

test("dispose() drops the queue, cancels the frame and ignores later pushes", () => {
  const frames = manualFrames()
  const flushed: string[][] = []
  const batcher = createFrameBatcher<string>((items) => flushed.push(items), frames.scheduler)
  batcher.push("a")
  batcher.dispose()
  batcher.push("b")
  frames.frame()
  expect(flushed).toEqual([])
  expect(frames.pending()).toBe(0)
  expect(batcher.pending()).toBe(0)
})

test("the default scheduler flushes without animation frames (hidden tab) via its timer backstop", async () => {
  const flushed: number[][] = []
  const saved = globalThis.requestAnimationFrame
  // A hidden tab: frames never come.
  globalThis.requestAnimationFrame = (() => 0) as typeof requestAnimationFrame
  try {
    const { animationFrameScheduler } = await import("./frame-batcher.ts")
    const batcher = createFrameBatcher<number>((items) => flushed.push(items), animationFrameScheduler(20))
    batcher.push(1)
    batcher.push(2)
    const deadline = Date.now() + 5000
    while (flushed.length === 0 && Date.now() < deadline) await Bun.sleep(10)
    expect(flushed).toEqual([[1, 2]])
  } finally {
    globalThis.requestAnimationFrame = saved
  }
})
