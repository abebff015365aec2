import { expect, test } from "bun:test"
import { at, CHUNK, dropFront, emptyList, lowerBound, pushAll, slice, toArray } from "./chunked-list.ts"

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

test("pushAll keeps order across chunk boundaries and shares full chunks", () => {
  const a = pushAll(emptyList<number>(), range(0, CHUNK + 10))
  const b = pushAll(a, range(CHUNK + 10, 3 * CHUNK + 5))
  expect(b.length).toBe(3 * CHUNK + 5)
  expect(toArray(b)).toEqual(range(0, 3 * CHUNK + 5))
  expect(b.chunks[0]).toBe(a.chunks[0] as readonly number[]) // full chunk shared, not copied
  expect(b.chunks.slice(0, -1).every((c) => c.length === CHUNK)).toBe(true)
  expect(toArray(a)).toEqual(range(0, CHUNK + 10)) // the old version is intact
})

test("dropFront moves the head and drops whole chunks", () => {
  const list = pushAll(emptyList<number>(), range(0, 3 * CHUNK))
  const dropped = dropFront(list, CHUNK + 3)
  expect(dropped.length).toBe(2 * CHUNK - 3)
  expect(dropped.chunks.length).toBe(2)
  expect(dropped.head).toBe(3)
  expect(at(dropped, 0)).toBe(CHUNK + 3)
  expect(at(dropped, dropped.length - 1)).toBe(3 * CHUNK - 1)
  // Appending after a drop keeps the invariant.
  const grown = pushAll(dropped, [-1, -2])
  expect(at(grown, grown.length - 1)).toBe(-2)
  expect(dropFront(list, 10 * CHUNK).length).toBe(0)
  expect(dropFront(list, 0)).toBe(list)
})

test("at, slice and lowerBound", () => {
  const list = dropFront(pushAll(emptyList<number>(), range(0, 2500)), 500)
  expect(at(list, -1)).toBeUndefined()
  expect(at(list, list.length)).toBeUndefined()
  expect(slice(list, 998, 1003)).toEqual([1498, 1499, 1500, 1501, 1502])
  expect(slice(list, 1998, 5000)).toEqual([2498, 2499])
  expect(lowerBound(list, 1500, (n) => n)).toBe(1000)
  expect(lowerBound(list, 0, (n) => n)).toBe(0)
  expect(lowerBound(list, 9999, (n) => n)).toBe(list.length)
})
