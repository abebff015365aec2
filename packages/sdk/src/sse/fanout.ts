/**
 * Async iterators over a push source, each with its own queue and a high-water mark the producer can
 * wait on, so a slow `for await` pauses reading from the network instead of growing memory without bound.
 *
 * @module
 */

interface Consumer<T> {
  queue: T[]
  head: number
  waiter: ((result: IteratorResult<T>) => void) | undefined
  failer: ((error: unknown) => void) | undefined
}

/** Queues pushed items for each open iterator. */
export interface Fanout<T> {
  push(item: T): void
  /** Ends every iterator: `done`, or throwing `error` from the next `next()` when one is given. */
  end(error?: Error): void
  /** A new iterator, receiving items pushed from now on. */
  iterator(): AsyncIterator<T>
  /** Resolves when no iterator holds `highWaterMark` items or more; `undefined` when that is already so. */
  whenDrained(): Promise<void> | undefined
}

export function createFanout<T>(highWaterMark: number): Fanout<T> {
  const consumers = new Set<Consumer<T>>()
  let ended = false
  let endError: Error | undefined
  let drainWaiters: (() => void)[] = []

  const pending = (consumer: Consumer<T>) => consumer.queue.length - consumer.head
  const full = () => {
    for (const consumer of consumers) if (pending(consumer) >= highWaterMark) return true
    return false
  }
  const maybeDrained = () => {
    if (drainWaiters.length === 0 || full()) return
    const waiters = drainWaiters
    drainWaiters = []
    for (const resolve of waiters) resolve()
  }
  const take = (consumer: Consumer<T>): T => {
    const item = consumer.queue[consumer.head] as T
    consumer.queue[consumer.head] = undefined as T
    consumer.head++
    // Compact now and then rather than shift() per item (shift is O(n) on large arrays).
    if (consumer.head > 1024 && consumer.head * 2 > consumer.queue.length) {
      consumer.queue = consumer.queue.slice(consumer.head)
      consumer.head = 0
    }
    return item
  }

  return {
    push(item) {
      for (const consumer of consumers) {
        if (consumer.waiter) {
          const resolve = consumer.waiter
          consumer.waiter = undefined
          consumer.failer = undefined
          resolve({ value: item, done: false })
        } else consumer.queue.push(item)
      }
    },
    end(error) {
      if (ended) return
      ended = true
      endError = error
      for (const consumer of consumers) {
        if (consumer.waiter) {
          const { waiter, failer } = consumer
          consumer.waiter = undefined
          consumer.failer = undefined
          if (error && failer) failer(error)
          else waiter({ value: undefined, done: true })
          consumers.delete(consumer)
        }
      }
      const waiters = drainWaiters
      drainWaiters = []
      for (const resolve of waiters) resolve()
    },
    iterator() {
      const consumer: Consumer<T> = { queue: [], head: 0, waiter: undefined, failer: undefined }
      if (!ended) consumers.add(consumer)
      let errorDelivered = false
      // After return(): done for good, even though the stream (and other iterators) go on.
      let returned = false
      const finish = (): IteratorResult<T> => {
        consumers.delete(consumer)
        maybeDrained()
        return { value: undefined, done: true }
      }
      return {
        next() {
          if (returned) return Promise.resolve({ value: undefined, done: true })
          if (pending(consumer) > 0) {
            const value = take(consumer)
            maybeDrained()
            return Promise.resolve({ value, done: false })
          }
          if (ended) {
            consumers.delete(consumer)
            if (endError && !errorDelivered) {
              errorDelivered = true
              return Promise.reject(endError)
            }
            return Promise.resolve(finish())
          }
          return new Promise<IteratorResult<T>>((resolve, reject) => {
            consumer.waiter = resolve
            consumer.failer = (error) => {
              errorDelivered = true
              reject(error)
            }
          })
        },
        return() {
          returned = true
          consumer.queue = []
          consumer.head = 0
          const waiter = consumer.waiter
          consumer.waiter = undefined
          consumer.failer = undefined
          waiter?.({ value: undefined, done: true })
          return Promise.resolve(finish())
        },
      }
    },
    whenDrained() {
      if (ended || !full()) return undefined
      return new Promise<void>((resolve) => drainWaiters.push(resolve))
    },
  }
}
