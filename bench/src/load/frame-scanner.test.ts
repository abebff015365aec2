import { describe, expect, test } from "bun:test"
import { FrameScanner } from "./frame-scanner.ts"

const frames = [
  'retry: 500\ndata: {"id":"","type":"server.connected","properties":{"heartbeat_ms":1000},"time":1}\n\n',
  'id: 1\ndata: {"id":"1","type":"bench.tick","properties":{"seq":0,"sent":123456,"pad":"xx"},"time":2}\n\n',
  'data: {"id":"","type":"server.heartbeat","properties":{"heartbeat_ms":1000},"time":3}\n\n',
  'id: 2\ndata: {"id":"2","type":"bench.tick","properties":{"seq":41,"sent":99,"pad":"y"},"time":4}\n\n',
  ": a comment\n\n",
]
const stream = Buffer.from(frames.join(""))
const expected = [
  { kind: "connected", seq: -1, sent: -1 },
  { kind: "event", seq: 0, sent: 123456 },
  { kind: "heartbeat", seq: -1, sent: -1 },
  { kind: "event", seq: 41, sent: 99 },
  { kind: "other", seq: -1, sent: -1 },
]

const scan = (pieces: Buffer[]) => {
  const seen: { kind: string; seq: number; sent: number }[] = []
  const scanner = new FrameScanner((f) => seen.push({ kind: f.kind, seq: f.seq, sent: f.sent }))
  for (const piece of pieces) scanner.push(piece)
  return seen
}

describe("FrameScanner", () => {
  test("classifies each frame and reads seq and sent", () => {
    expect(scan([stream])).toEqual(expected)
  })

  test("any split point gives the same frames", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(scan([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected)
    }
  })

  test("random chunking (seeded) gives the same frames", () => {
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    for (let round = 0; round < 50; round++) {
      const pieces: Buffer[] = []
      let at = 0
      while (at < stream.length) {
        const size = 1 + Math.floor(random() * 40)
        pieces.push(stream.subarray(at, at + size))
        at += size
      }
      expect(scan(pieces)).toEqual(expected)
    }
  })

  test("a partial frame waits for its end", () => {
    expect(scan([Buffer.from('data: {"seq":1,"sent":2}\n')])).toEqual([])
  })

  test("the pending bytes survive the caller reusing its buffer", () => {
    const seen: number[] = []
    const scanner = new FrameScanner((f) => seen.push(f.seq))
    const reused = Buffer.from('data: {"seq":12')
    scanner.push(reused)
    reused.fill(0)
    scanner.push(Buffer.from(',"sent":3}\n\n'))
    expect(seen).toEqual([12])
  })
})

describe("FrameScanner ranges", () => {
  test("only the given range is scanned, even when a frame end lies past it", () => {
    const seen: number[] = []
    const scanner = new FrameScanner((f) => {
      if (f.kind === "event") seen.push(f.seq)
    })
    const buf = Buffer.from('XXdata: {"seq":5}\n\nYYdata: {"seq":6}\n\n')
    // The range stops inside the second frame: its end must not be read from outside the range.
    scanner.push(buf, 2, 30)
    expect(seen).toEqual([5])
    // Its rest arrives later and completes it from the kept bytes.
    scanner.push(Buffer.from('eq":6}\n\n'))
    expect(seen).toEqual([5, 6])
  })
})
