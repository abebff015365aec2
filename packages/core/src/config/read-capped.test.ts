import { describe, expect, test } from "bun:test"
import { type ReadInto, readCapped } from "./read-capped.ts"

/** A source that hands out `data` `step` bytes per read, recording every buffer it was given. */
const source = (data: Uint8Array, step: number): { read: ReadInto; buffers: Uint8Array[] } => {
  let at = 0
  const buffers: Uint8Array[] = []
  const read: ReadInto = async (buffer) => {
    buffers.push(buffer)
    const n = Math.min(step, buffer.length, data.length - at)
    buffer.set(data.subarray(at, at + n))
    at += n
    return n
  }
  return { read, buffers }
}

const bytesOf = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256)

describe("readCapped", () => {
  test("a config delivered one byte per read comes out whole, read through one reused buffer", async () => {
    const data = bytesOf(1024)
    const { read, buffers } = source(data, 1)
    expect(await readCapped(read, 1024 * 1024)).toEqual(data)
    expect(buffers.length).toBe(1025)
    // One buffer for every read: a fresh 64 KiB buffer per read kept 1024 of them (64 MiB) alive for 1 KiB.
    expect(new Set(buffers).size).toBe(1)
  })

  test("keeps copies of what each read returned, not views of the buffer the next read overwrites", async () => {
    const data = bytesOf(300_000)
    for (const step of [1, 7, 4096, 65_536]) {
      const { read } = source(data, step)
      expect(await readCapped(read, 1024 * 1024)).toEqual(data)
    }
  })

  test("an empty source is zero bytes", async () => {
    expect(await readCapped(source(new Uint8Array(0), 1).read, 10)).toEqual(new Uint8Array(0))
  })

  test("exactly the cap is read; one byte more is null, and reading stops there", async () => {
    expect(await readCapped(source(bytesOf(1000), 64).read, 1000)).toEqual(bytesOf(1000))
    expect(await readCapped(source(bytesOf(1001), 64).read, 1000)).toBeNull()
    let reads = 0
    const endless: ReadInto = async (buffer) => {
      reads++
      buffer.fill(0x20)
      return buffer.length
    }
    expect(await readCapped(endless, 1024 * 1024)).toBeNull()
    expect(reads).toBeLessThanOrEqual(17)
  })
})
