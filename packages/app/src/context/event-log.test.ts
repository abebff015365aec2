import { describe, expect, test } from "bun:test"
import type { EventEnvelope } from "@tether/core/browser"
import { appendEvents, emptyEventLog, filterEntries, knownTypes, type Received } from "./event-log.ts"

const ev = (id: string, type = "test.ping", properties: Record<string, unknown> = {}): EventEnvelope => ({
  id,
  type,
  properties,
  time: 1,
})
const at = (events: EventEnvelope[], receivedAt = 100): Received[] =>
  events.map((event) => ({ event, receivedAt }))

describe("appendEvents", () => {
  test("appends in order with increasing seq and the receive time", () => {
    const log = appendEvents(emptyEventLog(10), at([ev("1"), ev("2"), ev("3")], 42))
    expect(log.entries.map((e) => e.event.id)).toEqual(["1", "2", "3"])
    expect(log.entries.map((e) => e.seq)).toEqual([0, 1, 2])
    expect(log.entries.every((e) => e.receivedAt === 42)).toBe(true)
    expect(log.total).toBe(3)
    const next = appendEvents(log, at([ev("4")]))
    expect(next.entries.at(-1)?.seq).toBe(3)
  })

  test("an empty batch returns the same state object", () => {
    const log = appendEvents(emptyEventLog(), at([ev("1")]))
    expect(appendEvents(log, [])).toBe(log)
  })

  test("does not mutate the previous state", () => {
    const before = appendEvents(emptyEventLog(10), at([ev("1")]))
    const entries = before.entries
    appendEvents(before, at([ev("2")]))
    expect(before.entries).toBe(entries)
    expect(before.entries.length).toBe(1)
    expect(before.ids.has("2")).toBe(false)
  })

  test("keeps the newest `capacity` entries and counts the evicted ones", () => {
    let log = emptyEventLog(3)
    log = appendEvents(log, at([ev("1"), ev("2")]))
    log = appendEvents(log, at([ev("3"), ev("4"), ev("5")]))
    expect(log.entries.map((e) => e.event.id)).toEqual(["3", "4", "5"])
    expect(log.evicted).toBe(2)
    expect(log.total).toBe(5)
    // An evicted id is forgotten: the set stays bounded by the capacity.
    expect([...log.ids].sort()).toEqual(["3", "4", "5"])
  })

  test("a durable id received twice is counted as a duplicate, not shown twice", () => {
    let log = appendEvents(emptyEventLog(), at([ev("1"), ev("2")]))
    log = appendEvents(log, at([ev("2"), ev("3"), ev("3")]))
    expect(log.entries.map((e) => e.event.id)).toEqual(["1", "2", "3"])
    expect(log.duplicates).toBe(2)
    expect(log.total).toBe(3)
  })

  test('ephemeral events (id "") are never duplicates', () => {
    const log = appendEvents(emptyEventLog(), at([ev("", "server.heartbeat"), ev("", "server.heartbeat")]))
    expect(log.entries.length).toBe(2)
    expect(log.duplicates).toBe(0)
    expect(log.countsByType["server.heartbeat"]).toBe(2)
  })

  test("100 000 events in bursts stay bounded and cheap", () => {
    let log = emptyEventLog(50_000)
    const started = performance.now()
    for (let burst = 0; burst < 100; burst++) {
      const batch: EventEnvelope[] = []
      for (let i = 0; i < 1000; i++) batch.push(ev(String(burst * 1000 + i), i % 2 ? "a" : "b"))
      log = appendEvents(log, at(batch))
    }
    const elapsed = performance.now() - started
    expect(log.entries.length).toBe(50_000)
    expect(log.total).toBe(100_000)
    expect(log.evicted).toBe(50_000)
    expect(log.entries[0]?.event.id).toBe("50000")
    // A generous bound (2 shared cores, others testing too): a quadratic fold would take far longer.
    expect(elapsed).toBeLessThan(5000)
  })

  test("rejects a capacity that is not a positive integer", () => {
    expect(() => emptyEventLog(0)).toThrow(/positive integer, got 0/)
    expect(() => emptyEventLog(1.5)).toThrow(RangeError)
  })
})

describe("filterEntries", () => {
  const log = appendEvents(
    emptyEventLog(),
    at([ev("1", "test.ping"), ev("", "server.heartbeat"), ev("2", "config.updated"), ev("3", "Test.Pong")]),
  )

  test("no filter returns the same array", () => {
    expect(filterEntries(log.entries, { type: "", hideHeartbeats: false })).toBe(log.entries)
  })

  test("matches a case-insensitive substring of the type", () => {
    const ids = filterEntries(log.entries, { type: " test. ", hideHeartbeats: false }).map((e) => e.event.id)
    expect(ids).toEqual(["1", "3"])
  })

  test("hides heartbeats", () => {
    const types = filterEntries(log.entries, { type: "", hideHeartbeats: true }).map((e) => e.event.type)
    expect(types).toEqual(["test.ping", "config.updated", "Test.Pong"])
  })
})

test("knownTypes lists types by frequency, then name", () => {
  const log = appendEvents(emptyEventLog(), at([ev("1", "b"), ev("2", "a"), ev("3", "c"), ev("4", "c")]))
  expect(knownTypes(log)).toEqual(["c", "a", "b"])
})
