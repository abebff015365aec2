import { describe, expect, test } from "bun:test"
import { learnFromEvent, raiseHeartbeat, withFacts } from "./server-facts.ts"
import type { TetherEvent } from "./wire.ts"

const event = (type: string, properties: Record<string, unknown>): TetherEvent => ({
  id: "",
  type,
  properties,
  time: 1,
})
const connected = (heartbeat_ms: unknown, instance: unknown) =>
  event("server.connected", { heartbeat_ms, instance, last_event_id: null })
const configWith = (heartbeat_ms: unknown) =>
  event("config.updated", {
    config: { server: { event_stream: { heartbeat_ms } } },
    changed: ["server.event_stream.heartbeat_ms"],
  })

describe("the heartbeat rule", () => {
  test("server.connected sets the heartbeat and the instance, whatever was known", () => {
    expect(learnFromEvent({}, connected(1000, "i-1"))).toEqual({ heartbeatMs: 1000, instance: "i-1" })
    expect(learnFromEvent({ heartbeatMs: 5000, instance: "i-1" }, connected(2000, "i-2"))).toEqual({
      heartbeatMs: 2000,
      instance: "i-2",
    })
  })

  test("server.heartbeat sets the interval it announces, longer or shorter", () => {
    const facts = { heartbeatMs: 1000, instance: "i-1" }
    expect(learnFromEvent(facts, event("server.heartbeat", { heartbeat_ms: 2000 }))).toEqual({
      heartbeatMs: 2000,
      instance: "i-1",
    })
    expect(learnFromEvent({ heartbeatMs: 5000 }, event("server.heartbeat", { heartbeat_ms: 2000 }))).toEqual({
      heartbeatMs: 2000,
    })
  })

  test("config.updated raises the heartbeat at once; a shorter one waits for the next heartbeat", () => {
    const facts = { heartbeatMs: 1000, instance: "i-1" }
    const raised = learnFromEvent(facts, configWith(10_000))
    expect(raised).toEqual({ heartbeatMs: 10_000, instance: "i-1" })
    expect(learnFromEvent(raised, configWith(2000))).toBe(raised)
    expect(raiseHeartbeat(raised, 20_000)).toEqual({ heartbeatMs: 20_000, instance: "i-1" })
    expect(raiseHeartbeat(raised, 10_000)).toBe(raised)
  })

  test("what is not an interval or an instance changes nothing, and other events are ignored", () => {
    const facts = { heartbeatMs: 1000, instance: "i-1" }
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "1000", null, undefined]) {
      expect(learnFromEvent(facts, event("server.heartbeat", { heartbeat_ms: bad }))).toBe(facts)
      expect(learnFromEvent(facts, configWith(bad))).toBe(facts)
    }
    expect(learnFromEvent(facts, connected("x", 7))).toBe(facts)
    expect(learnFromEvent(facts, event("config.updated", { config: null, changed: [] }))).toBe(facts)
    expect(learnFromEvent(facts, event("build.finished", { heartbeat_ms: 5, instance: "x" }))).toBe(facts)
    expect(learnFromEvent(facts, connected(1000, "i-1"))).toBe(facts)
  })

  test("withFacts adds only the fields known", () => {
    const status = { state: "open" as const, attempt: 0 }
    expect(withFacts(status, {})).toBe(status)
    expect(withFacts(status, { heartbeatMs: 1000 })).toEqual({ state: "open", attempt: 0, heartbeatMs: 1000 })
    expect(Object.keys(withFacts(status, { heartbeatMs: undefined, instance: "i-1" }))).toEqual([
      "state",
      "attempt",
      "instance",
    ])
  })
})
