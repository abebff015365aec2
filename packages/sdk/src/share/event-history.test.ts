import { describe, expect, test } from "bun:test"
import type { TetherEvent } from "../wire.ts"
import { createEventHistory } from "./event-history.ts"

const event = (id: string): TetherEvent => ({ id, type: "test.event", properties: {}, time: 0 })
const ids = (events: TetherEvent[] | undefined) => events?.map((e) => e.id)

describe("createEventHistory", () => {
  test("since: after an id, or from the point an event was delivered after; undefined for a point it never saw", () => {
    const history = createEventHistory()
    // The stream began after "c0" (the server's newest id at connect), not after an event of this history.
    history.add(event("1"), "c0")
    history.add(event("2"), "1")
    history.add(event("3"), "2")
    expect(ids(history.since("c0"))).toEqual(["1", "2", "3"])
    expect(ids(history.since("1"))).toEqual(["2", "3"])
    expect(ids(history.since("3"))).toEqual([])
    expect(history.since("0")).toBeUndefined()
    expect(history.oldest()).toBe("1")
  })

  test("bounded: keeps at least the last N events and drops repeats by id", () => {
    const history = createEventHistory(4, 6)
    for (let n = 1; n <= 10; n++) history.add(event(String(n)), String(n - 1))
    history.add(event("10"), "9")
    expect(ids(history.since("6"))).toEqual(["7", "8", "9", "10"])
    expect(history.since("1")).toBeUndefined()
    expect(history.has("10")).toBe(true)
    expect(history.has("5")).toBe(true)
    expect(history.has("4")).toBe(false)
  })
})
