import { describe, expect, test } from "bun:test"
import { compareSequenceIds } from "../event/sequence-id.ts"
import { Connection } from "./connection.ts"
import { Hub, joinFrames } from "./hub.ts"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const frame = (id: string) => encoder.encode(`id: ${id}\ndata: {}\n\n`)
const id = (n: number) => String(n).padStart(16, "0")

const setup = () => {
  const flushes: (() => void)[] = []
  const hub = new Hub(compareSequenceIds, (flush) => flushes.push(flush))
  const open = () => {
    const connection = new Connection({
      maxBufferedBytes: () => 1 << 20,
      release: (c) => hub.remove(c),
      warn: () => {},
    })
    hub.add(connection)
    return { connection, reader: connection.stream.getReader() }
  }
  return { hub, flushes, open }
}

describe("Hub", () => {
  test("with a gapless log, a live connection that would skip numbers is ended to resume instead", async () => {
    const flushes: (() => void)[] = []
    const previous = (at: string) => (Number(at) > 0 ? id(Number(at) - 1) : null)
    const hub = new Hub(compareSequenceIds, (flush) => flushes.push(flush), null, previous)
    const open = (lastId: string) => {
      const connection = new Connection({
        maxBufferedBytes: () => 1 << 20,
        release: (c) => hub.remove(c),
        warn: () => {},
      })
      connection.lastId = lastId
      hub.add(connection)
      return connection
    }
    const next = open(id(4))
    const behind = open(id(2))
    for (const n of [5, 6]) hub.broadcast(id(n), frame(id(n)))
    ;(flushes[0] as () => void)()
    expect(next.lastId).toBe(id(6))
    expect(next.closedBy).toBeNull()
    // 3 and 4 would be skipped: it resumes from 2 and the log replays them.
    expect(behind.closedBy).toBe("resume")
    expect(behind.lastId).toBe(id(2))
    expect(hub.size).toBe(1)
  })

  test("events of one turn reach a live connection as one joined chunk, in order", async () => {
    const { hub, flushes, open } = setup()
    const { reader } = open()
    const first = reader.read() // the socket asks for data: a pull is waiting
    for (const n of [1, 2, 3]) hub.broadcast(id(n), frame(id(n)))
    expect(flushes).toHaveLength(1) // one fan-out per turn, however many events
    ;(flushes[0] as () => void)()
    const chunk = await first
    expect(decoder.decode(chunk.value)).toBe(
      `id: ${id(1)}\ndata: {}\n\nid: ${id(2)}\ndata: {}\n\nid: ${id(3)}\ndata: {}\n\n`,
    )
  })

  test("a connection whose replay already sent part of the turn gets only the rest", async () => {
    const { hub, flushes, open } = setup()
    const { connection, reader } = open()
    connection.replayed(id(2), frame(id(2)))
    expect(decoder.decode((await reader.read()).value)).toContain(id(2))
    const next = reader.read()
    for (const n of [1, 2, 3]) hub.broadcast(id(n), frame(id(n)))
    ;(flushes[0] as () => void)()
    expect(decoder.decode((await next).value)).toBe(`id: ${id(3)}\ndata: {}\n\n`)
    expect(connection.lastId).toBe(id(3))
  })

  test("a connection still reading its replay holds each event for its own dedupe", async () => {
    const { hub, flushes, open } = setup()
    const { connection, reader } = open()
    connection.hold()
    for (const n of [1, 2, 3]) hub.broadcast(id(n), frame(id(n)))
    ;(flushes[0] as () => void)()
    connection.settle(id(1), compareSequenceIds, true)
    expect(decoder.decode((await reader.read()).value)).toBe(
      `id: ${id(2)}\ndata: {}\n\nid: ${id(3)}\ndata: {}\n\n`,
    )
  })

  test("closeAll sends the waiting turn before ending the streams", async () => {
    const { hub, open } = setup()
    const { reader } = open()
    hub.broadcast(id(7), frame(id(7)))
    hub.closeAll()
    expect(decoder.decode((await reader.read()).value)).toContain(id(7))
    expect((await reader.read()).done).toBe(true)
    expect(hub.size).toBe(0)
  })
})

describe("joinFrames", () => {
  const bytes = (size: number, fill: number) => new Uint8Array(size).fill(fill)

  test("frames join up to the limit; what would pass it starts the next chunk; a larger frame goes alone", () => {
    const frames = [bytes(30, 1), bytes(30, 2), bytes(30, 3), bytes(200, 4), bytes(10, 5)]
    const chunks = joinFrames(["a", "b", "c", "d", "e"], frames, 70)
    expect(chunks.map((c) => c.last)).toEqual(["b", "c", "d", "e"])
    expect(chunks.map((c) => c.chunk.byteLength)).toEqual([60, 30, 200, 10])
    // In order, every byte once.
    expect(Array.from(chunks.flatMap((c) => Array.from(c.chunk)))).toEqual(
      frames.flatMap((f) => Array.from(f)),
    )
  })

  test("one frame, or all under the limit: one chunk (a single frame is passed on as it is)", () => {
    const only = bytes(500, 9)
    expect(joinFrames(["a"], [only], 10)[0]?.chunk).toBe(only)
    const all = joinFrames(["a", "b", "c"], [bytes(10, 1), bytes(10, 2), bytes(10, 3)], 1 << 20)
    expect(all.map((c) => [c.last, c.chunk.byteLength])).toEqual([["c", 30]])
  })
})
