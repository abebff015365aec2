import { describe, expect, test } from "bun:test"
import type { EventEnvelope } from "@tether/core/browser"
import { toArray } from "./chunked-list.ts"
import {
  appendEvents,
  type EventLogState,
  emptyEventLog,
  ID_GENERATION,
  indexOfSeq,
  knownTypes,
  MAX_TRACKED_TYPES,
  type Received,
  updateView,
} from "./event-log.ts"

const ev = (id: string, type = "test.ping", properties: Record<string, unknown> = {}): EventEnvelope => ({
  id,
  type,
  properties,
  time: 1,
})
const at = (events: EventEnvelope[], receivedAt = 100): Received[] =>
  events.map((event) => ({ event, receivedAt }))
const ids = (log: EventLogState) => toArray(log.entries).map((e) => e.event.id)

describe("appendEvents", () => {
  test("appends in order with increasing seq and the receive time", () => {
    const log = appendEvents(emptyEventLog(10), at([ev("1"), ev("2"), ev("3")], 42))
    expect(ids(log)).toEqual(["1", "2", "3"])
    expect(toArray(log.entries).map((e) => e.seq)).toEqual([0, 1, 2])
    expect(toArray(log.entries).every((e) => e.receivedAt === 42)).toBe(true)
    expect(log.total).toBe(3)
    const next = appendEvents(log, at([ev("4")]))
    expect(toArray(next.entries).at(-1)?.seq).toBe(3)
  })

  test("an empty batch returns the same state object", () => {
    const log = appendEvents(emptyEventLog(), at([ev("1")]))
    expect(appendEvents(log, [])).toBe(log)
  })

  test("leaves the previous state valid and unchanged", () => {
    const before = appendEvents(emptyEventLog(10), at([ev("1")]))
    const after = appendEvents(before, at([ev("2")]))
    expect(ids(before)).toEqual(["1"])
    expect(ids(after)).toEqual(["1", "2"])
    // "2" is unknown to the old state: appending it there again is not a duplicate.
    expect(appendEvents(before, at([ev("2")])).duplicates).toBe(0)
  })

  test("keeps the newest `capacity` entries and counts the evicted ones", () => {
    let log = emptyEventLog(3)
    log = appendEvents(log, at([ev("1"), ev("2")]))
    log = appendEvents(log, at([ev("3"), ev("4"), ev("5")]))
    expect(ids(log)).toEqual(["3", "4", "5"])
    expect(log.evicted).toBe(2)
    expect(log.total).toBe(5)
  })

  test("a durable id received twice is counted as a duplicate, not shown twice", () => {
    let log = appendEvents(emptyEventLog(), at([ev("1"), ev("2")]))
    log = appendEvents(log, at([ev("2"), ev("3"), ev("3")]))
    expect(ids(log)).toEqual(["1", "2", "3"])
    expect(log.duplicates).toBe(2)
    expect(log.total).toBe(3)
  })

  test("duplicates are found across id generations", () => {
    let log = emptyEventLog()
    const count = 2 * ID_GENERATION + 100
    const first = Array.from({ length: count }, (_, i) => ev(String(i)))
    log = appendEvents(log, at(first.slice(0, 5000)))
    log = appendEvents(log, at(first.slice(5000)))
    expect(log.seen.length).toBe(3)
    log = appendEvents(log, at([ev("5"), ev(String(ID_GENERATION + 7)), ev(String(count - 1)), ev("new")]))
    expect(log.duplicates).toBe(3)
    expect(ids(log).at(-1)).toBe("new")
    expect(log.entries.length).toBe(count + 1)
  })

  test("after server.resync, ids seen before are not duplicates (a new log may reuse them)", () => {
    let log = appendEvents(emptyEventLog(), at([ev("1"), ev("2")]))
    log = appendEvents(log, at([ev("", "server.resync"), ev("1", "fresh"), ev("1", "fresh")]))
    expect(ids(log)).toEqual(["1", "2", "", "1"])
    expect(log.duplicates).toBe(1) // the second "1" after the resync
  })

  test("the memory of ids stays bounded by the capacity", () => {
    let log = emptyEventLog(2000)
    for (let burst = 0; burst < 60; burst++) {
      log = appendEvents(log, at(Array.from({ length: 1000 }, (_, i) => ev(`${burst}-${i}`))))
    }
    const remembered = log.seen.reduce((n, g) => n + g.ids.size, 0)
    expect(remembered).toBeLessThanOrEqual(2000 + 2 * ID_GENERATION)
    expect(log.entries.length).toBe(2000)
  })

  test('ephemeral events (id "") are never duplicates', () => {
    const log = appendEvents(emptyEventLog(), at([ev("", "server.heartbeat"), ev("", "server.heartbeat")]))
    expect(log.entries.length).toBe(2)
    expect(log.duplicates).toBe(0)
    expect(log.countsByType["server.heartbeat"]).toBe(2)
  })

  test("100 000 events in small bursts stay bounded at the cap", () => {
    let log = emptyEventLog(100_000)
    let n = 0
    for (let i = 0; i < 1100; i++) {
      log = appendEvents(log, at(Array.from({ length: 100 }, () => ev(String(n++), n % 2 ? "a" : "b"))))
    }
    expect(log.entries.length).toBe(100_000)
    expect(log.total).toBe(110_000)
    expect(log.evicted).toBe(10_000)
    expect(toArray(log.entries)[0]?.event.id).toBe("10000")
    expect(toArray(log.entries).at(-1)?.event.id).toBe("109999")
    expect((log.countsByType.a ?? 0) + (log.countsByType.b ?? 0)).toBe(110_000)
  })

  test("a stream whose every event has a new type keeps a bounded type table", () => {
    let log = emptyEventLog(100_000)
    let n = 0
    for (let i = 0; i < 1000; i++) {
      log = appendEvents(log, at(Array.from({ length: 100 }, () => ev(String(n), `job.${n++}`))))
    }
    expect(Object.keys(log.countsByType)).toHaveLength(MAX_TRACKED_TYPES)
    expect(log.countsByType["job.0"]).toBe(1)
    expect(log.countsByType["job.99999"]).toBeUndefined()
    // Still true: every event is counted, in its type or among the untracked ones.
    expect(log.untrackedTypeEvents).toBe(100_000 - MAX_TRACKED_TYPES)
    expect(knownTypes(log)).toHaveLength(50)
  })

  test("rejects a capacity that is not a positive integer", () => {
    expect(() => emptyEventLog(0)).toThrow(/positive integer, got 0/)
    expect(() => emptyEventLog(1.5)).toThrow(RangeError)
  })
})

describe("updateView", () => {
  const base = appendEvents(
    emptyEventLog(),
    at([ev("1", "test.ping"), ev("", "server.heartbeat"), ev("2", "config.updated"), ev("3", "Test.Pong")]),
  )
  const types = (view: { list: Parameters<typeof toArray>[0] }) =>
    toArray(view.list).map((e) => (e as { event: EventEnvelope }).event.type)

  test("no filter shows everything", () => {
    expect(types(updateView(undefined, base, { type: "", hideHeartbeats: false }))).toEqual([
      "test.ping",
      "server.heartbeat",
      "config.updated",
      "Test.Pong",
    ])
  })

  test("matches a case-insensitive substring of the type", () => {
    const view = updateView(undefined, base, { type: " test. ", hideHeartbeats: false })
    expect(toArray(view.list).map((e) => e.event.id)).toEqual(["1", "3"])
  })

  test("hides heartbeats", () => {
    expect(types(updateView(undefined, base, { type: "", hideHeartbeats: true }))).toEqual([
      "test.ping",
      "config.updated",
      "Test.Pong",
    ])
  })

  test("follows the log incrementally and returns the same view when nothing changed", () => {
    const filter = { type: "test", hideHeartbeats: true }
    const view = updateView(undefined, base, filter)
    expect(updateView(view, base, { ...filter })).toBe(view)
    const next = appendEvents(base, at([ev("4", "test.more"), ev("5", "other")]))
    const updated = updateView(view, next, filter)
    expect(toArray(updated.list).map((e) => e.event.id)).toEqual(["1", "3", "4"])
    // The older view is untouched (a paused log keeps showing it).
    expect(toArray(view.list).map((e) => e.event.id)).toEqual(["1", "3"])
  })

  test("drops what the log evicted", () => {
    const filter = { type: "", hideHeartbeats: false }
    let log = appendEvents(emptyEventLog(3), at([ev("1"), ev("2"), ev("3")]))
    let view = updateView(undefined, log, filter)
    log = appendEvents(log, at([ev("4"), ev("5")]))
    view = updateView(view, log, filter)
    expect(toArray(view.list).map((e) => e.event.id)).toEqual(["3", "4", "5"])
  })

  test("indexOfSeq finds a row by its seq", () => {
    const view = updateView(undefined, base, { type: "", hideHeartbeats: true })
    expect(indexOfSeq(view, 2)).toBe(1)
    expect(indexOfSeq(view, 1)).toBe(-1) // the hidden heartbeat
  })
})

test("types named like Object's own properties are counted like any other", () => {
  const log = appendEvents(
    emptyEventLog(),
    at([ev("1", "constructor"), ev("2", "__proto__"), ev("3", "__proto__"), ev("4", "toString")]),
  )
  const count = (type: string): unknown => Object.getOwnPropertyDescriptor(log.countsByType, type)?.value
  expect(count("constructor")).toBe(1)
  expect(count("__proto__")).toBe(2)
  expect(count("toString")).toBe(1)
  expect(knownTypes(log)).toEqual(["__proto__", "constructor", "toString"])
})

test("knownTypes lists types by frequency, then name", () => {
  const log = appendEvents(emptyEventLog(), at([ev("1", "b"), ev("2", "a"), ev("3", "c"), ev("4", "c")]))
  expect(knownTypes(log)).toEqual(["c", "a", "b"])
})
