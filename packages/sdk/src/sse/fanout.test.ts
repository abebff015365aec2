import { describe, expect, test } from "bun:test"
import { createFanout } from "./fanout.ts"

describe("createFanout", () => {
  test("each iterator gets every item pushed after it was created, in order", async () => {
    const fanout = createFanout<number>(100)
    const early = fanout.iterator()
    fanout.push(1)
    const late = fanout.iterator()
    fanout.push(2)
    fanout.end()
    expect(await early.next()).toEqual({ value: 1, done: false })
    expect(await early.next()).toEqual({ value: 2, done: false })
    expect(await early.next()).toEqual({ value: undefined, done: true })
    expect(await late.next()).toEqual({ value: 2, done: false })
    expect(await late.next()).toEqual({ value: undefined, done: true })
  })

  test("a waiting next() is resolved by push and by end", async () => {
    const fanout = createFanout<string>(10)
    const iterator = fanout.iterator()
    const pending = iterator.next()
    fanout.push("a")
    expect(await pending).toEqual({ value: "a", done: false })
    const last = iterator.next()
    fanout.end()
    expect(await last).toEqual({ value: undefined, done: true })
  })

  test("return(): a pending next() and every later one are done at once, while the stream goes on", async () => {
    const fanout = createFanout<number>(10)
    const iterator = fanout.iterator()
    const pending = iterator.next()
    await iterator.return?.()
    expect(await pending).toEqual({ value: undefined, done: true })
    fanout.push(1)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  test("end(error): queued items first, then the error once, then done", async () => {
    const fanout = createFanout<number>(10)
    const iterator = fanout.iterator()
    fanout.push(1)
    fanout.end(new Error("refused"))
    expect(await iterator.next()).toEqual({ value: 1, done: false })
    await expect(iterator.next()).rejects.toThrow("refused")
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
  })

  test("whenDrained: pending while an iterator holds highWaterMark items, resolved as it reads or leaves", async () => {
    const fanout = createFanout<number>(2)
    const iterator = fanout.iterator()
    expect(fanout.whenDrained()).toBeUndefined()
    fanout.push(1)
    fanout.push(2)
    const drained = fanout.whenDrained()
    expect(drained).toBeInstanceOf(Promise)
    let resolved = false
    void drained?.then(() => (resolved = true))
    await Promise.resolve()
    expect(resolved).toBe(false)
    await iterator.next()
    await Promise.resolve()
    expect(resolved).toBe(true)

    fanout.push(3)
    fanout.push(4)
    const again = fanout.whenDrained()
    expect(again).toBeInstanceOf(Promise)
    await iterator.return?.()
    await again
    expect(fanout.whenDrained()).toBeUndefined()
  })

  test("a long queue is compacted, not shifted, and stays in order", async () => {
    const fanout = createFanout<number>(1_000_000)
    const iterator = fanout.iterator()
    for (let i = 0; i < 5000; i++) fanout.push(i)
    const seen: number[] = []
    for (let i = 0; i < 5000; i++) seen.push((await iterator.next()).value as number)
    expect(seen).toEqual(Array.from({ length: 5000 }, (_, i) => i))
  })
})
