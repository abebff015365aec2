import { expect, test } from "bun:test"
import { compareSequenceIds } from "../event/sequence-id.ts"
import { Connection } from "./connection.ts"
import { Hub, type HubObserver } from "./hub.ts"

const frame = (id: string) => new TextEncoder().encode(`id: ${id}\ndata: {}\n\n`)
const id = (n: number) => String(n).padStart(16, "0")

test("the hub reports each turn's deliveries (event × stream, whichever path each stream takes) and each event's wait", () => {
  const turns: { deliveries: number; waits: number[] }[] = []
  const beats: number[] = []
  const observer: HubObserver = {
    fannedOut: (deliveries, queuedAt, now) =>
      turns.push({ deliveries, waits: queuedAt.map((at) => now - at) }),
    heartbeat: (streams) => beats.push(streams),
  }
  const flushes: (() => void)[] = []
  const hub = new Hub(compareSequenceIds, (flush) => flushes.push(flush), observer)
  const open = () => {
    const connection = new Connection({
      maxBufferedBytes: () => 1 << 20,
      release: (c) => hub.remove(c),
      warn: () => {},
    })
    hub.add(connection)
    return connection
  }
  const live = open() // gets the joined chunk
  live.started = true
  const holding = open() // still reading its replay: holds each event
  holding.hold()
  const ahead = open() // its replay already sent event 2: gets only event 3
  ahead.lastId = id(2)
  ahead.started = true
  for (const n of [1, 2, 3]) hub.broadcast(id(n), frame(id(n)))
  ;(flushes[0] as () => void)()
  expect(turns).toHaveLength(1)
  expect(turns[0]?.deliveries).toBe(3 + 3 + 1)
  expect(turns[0]?.waits).toHaveLength(3)
  for (const wait of turns[0]?.waits ?? []) expect(wait).toBeGreaterThanOrEqual(0)
  hub.broadcastEphemeral(frame("beat"))
  expect(beats).toEqual([2]) // the two started streams; the holding one has not started
})
