/**
 * An immutable list made of fixed-size chunks, for the event log: appending a batch copies only the
 * last chunk and the (short) chunk index, and dropping from the front only moves an offset, so a log of
 * 100 000 entries costs O(batch + n/CHUNK) per update instead of O(n). Old versions stay valid: a
 * paused view just keeps its version.
 *
 * Invariant: every chunk but the last holds exactly `CHUNK` items, so index math is one division.
 *
 * @module
 */

/** Items per chunk: small enough to copy per frame, large enough that the index stays short. */
export const CHUNK = 1024

export interface ChunkedList<T> {
  readonly chunks: readonly (readonly T[])[]
  /** Items skipped at the front of `chunks[0]` (dropped). */
  readonly head: number
  readonly length: number
}

const EMPTY: ChunkedList<never> = { chunks: [], head: 0, length: 0 }

/** The empty list (shared; lists are never mutated). */
export const emptyList = <T>(): ChunkedList<T> => EMPTY

/**
 * Appends items in order.
 *
 * @example
 * const list = pushAll(emptyList<number>(), [1, 2, 3])
 * at(list, 2) // 3
 */
export const pushAll = <T>(list: ChunkedList<T>, items: readonly T[]): ChunkedList<T> => {
  if (items.length === 0) return list
  const chunks = list.chunks.slice()
  let last = chunks.length > 0 ? (chunks[chunks.length - 1] as readonly T[]) : undefined
  let i = 0
  if (last !== undefined && last.length < CHUNK) {
    const take = Math.min(CHUNK - last.length, items.length)
    chunks[chunks.length - 1] = last.concat(items.slice(0, take))
    i = take
  }
  while (i < items.length) {
    last = items.slice(i, i + CHUNK)
    chunks.push(last)
    i += CHUNK
  }
  return { chunks, head: list.head, length: list.length + items.length }
}

/** Drops the first `count` items (all of them when `count ≥ length`). */
export const dropFront = <T>(list: ChunkedList<T>, count: number): ChunkedList<T> => {
  if (count <= 0) return list
  if (count >= list.length) return emptyList()
  const skipped = list.head + count
  const wholeChunks = Math.floor(skipped / CHUNK)
  return { chunks: list.chunks.slice(wholeChunks), head: skipped % CHUNK, length: list.length - count }
}

/** The item at `index` (0 = oldest kept), or `undefined` out of range. */
export const at = <T>(list: ChunkedList<T>, index: number): T | undefined => {
  if (index < 0 || index >= list.length) return undefined
  const i = index + list.head
  return list.chunks[Math.floor(i / CHUNK)]?.[i % CHUNK]
}

/** Items `[from, to)`, clamped to the list. */
export const slice = <T>(list: ChunkedList<T>, from: number, to: number): T[] => {
  const out: T[] = []
  const end = Math.min(to, list.length)
  for (let index = Math.max(0, from); index < end; index++) out.push(at(list, index) as T)
  return out
}

/** Every item, oldest first (O(n): for tests and small lists). */
export const toArray = <T>(list: ChunkedList<T>): T[] => slice(list, 0, list.length)

/**
 * Index of the first item whose key is ≥ `key`, for a list sorted by `keyOf` (binary search), or
 * `length` when there is none.
 */
export const lowerBound = <T>(list: ChunkedList<T>, key: number, keyOf: (item: T) => number): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (keyOf(at(list, mid) as T) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}
