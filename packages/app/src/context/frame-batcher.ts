/**
 * Collects items and hands them over once per animation frame, so a burst of a thousand events is
 * one store update and one render instead of a thousand.
 *
 * @module
 */

/** How the batcher waits for the next frame; injected so tests drive frames by hand. */
export interface FrameScheduler {
  request(callback: () => void): unknown
  cancel(handle: unknown): void
}

/**
 * The browser's frame clock, with a timer as a backstop: a hidden tab gets no animation frames at all,
 * and its events must not pile up unbounded until it is shown again.
 */
export const animationFrameScheduler = (fallbackMs = 250): FrameScheduler => ({
  request(callback) {
    let done = false
    const run = () => {
      if (done) return
      done = true
      if (frame !== undefined) cancelAnimationFrame(frame)
      clearTimeout(timer)
      callback()
    }
    const frame = typeof requestAnimationFrame === "function" ? requestAnimationFrame(run) : undefined
    const timer = setTimeout(run, fallbackMs)
    return () => {
      done = true
      if (frame !== undefined) cancelAnimationFrame(frame)
      clearTimeout(timer)
    }
  },
  cancel(handle) {
    ;(handle as () => void)()
  },
})

export interface FrameBatcher<T> {
  /** Queues an item; the first item of a frame schedules the flush. */
  push(item: T): void
  /** Flushes what is queued now (e.g. before the page is hidden). */
  flush(): void
  /** Drops what is queued and cancels the pending frame. */
  dispose(): void
  /** Items waiting for the next frame. */
  pending(): number
}

/**
 * @example
 * const batcher = createFrameBatcher<string>((items) => console.log(items), animationFrameScheduler())
 * batcher.push("a"); batcher.push("b") // logs ["a", "b"] once, on the next frame
 */
export const createFrameBatcher = <T>(
  onFlush: (items: T[]) => void,
  scheduler: FrameScheduler = animationFrameScheduler(),
): FrameBatcher<T> => {
  let queue: T[] = []
  let handle: unknown
  let scheduled = false
  let disposed = false

  const flush = () => {
    if (scheduled) scheduler.cancel(handle)
    scheduled = false
    if (queue.length === 0) return
    const items = queue
    queue = []
    onFlush(items)
  }

  return {
    push(item) {
      if (disposed) return
      queue.push(item)
      if (!scheduled) {
        scheduled = true
        handle = scheduler.request(() => {
          scheduled = false
          flush()
        })
      }
    },
    flush,
    dispose() {
      disposed = true
      if (scheduled) scheduler.cancel(handle)
      scheduled = false
      queue = []
    },
    pending: () => queue.length,
  }
}
