import { describe, expect, test } from "bun:test"
import { EventInvalid } from "./errors.ts"
import { MAX_EVENT_BYTES, maxEventBytes, prepareEvent } from "./publish-input.ts"

const refusal = (input: unknown, limit = 1024): string => {
  try {
    prepareEvent(input, limit)
  } catch (error) {
    expect(error).toBeInstanceOf(EventInvalid)
    return (error as EventInvalid).message
  }
  throw new Error("expected a refusal")
}

describe("prepareEvent", () => {
  test("serialises properties once, defaulting to {}", () => {
    expect(prepareEvent({ type: "a.b", properties: { n: 1, s: "é" } }, 1024)).toEqual({
      type: "a.b",
      properties: '{"n":1,"s":"é"}',
    })
    expect(prepareEvent({ type: "a.b" }, 1024)).toEqual({ type: "a.b", properties: "{}" })
  })

  test("refuses what JSON cannot carry, naming why", () => {
    expect(refusal({ type: "x", properties: { n: 10n } })).toMatch(/cannot be serialised to JSON.*BigInt/)
    const circular: Record<string, unknown> = {}
    circular.me = circular
    expect(refusal({ type: "x", properties: circular })).toMatch(/cannot be serialised to JSON/)
  })

  test("refuses oversized properties, counting UTF-8 bytes", () => {
    expect(refusal({ type: "x", properties: { s: "é".repeat(600) } })).toMatch(/over the limit of 1024 bytes/)
    expect(maxEventBytes(1024 * 1024)).toBe(MAX_EVENT_BYTES)
    expect(maxEventBytes(64 * 1024)).toBe(16 * 1024)
  })

  test("refuses bad shapes and types with the value given", () => {
    expect(refusal(null)).toMatch(/expected an object.*got null/)
    expect(refusal("x")).toMatch(/got the string "x"/)
    expect(refusal({})).toMatch(/type: expected a non-empty string, got nothing/)
    expect(refusal({ type: 1 })).toMatch(/got number 1/)
    expect(refusal({ type: "x".repeat(201) })).toMatch(/at most 200/)
    expect(refusal({ type: "a\nb" })).toMatch(/control characters/)
    expect(refusal({ type: "server.connected" })).toMatch(/reserved/)
    expect(refusal({ type: "x", properties: null })).toMatch(/properties: expected an object, got null/)
    expect(refusal({ type: "x", time: 1 })).toMatch(/unknown key "time"/)
  })

  test("names the field at fault as an issue; a refusal of the whole input has none", () => {
    const issuesOf = (input: unknown) => {
      try {
        prepareEvent(input, 1024)
      } catch (error) {
        return (error as EventInvalid).toJSON().issues?.map((issue) => issue.path)
      }
      throw new Error("expected a refusal")
    }
    expect(issuesOf({ type: "" })).toEqual(["type"])
    expect(issuesOf({ type: "server.x" })).toEqual(["type"])
    expect(issuesOf({ type: "x", properties: [1] })).toEqual(["properties"])
    expect(issuesOf({ type: "x", properties: { n: 1n } })).toEqual(["properties"])
    expect(issuesOf({ type: "x", properties: { s: "x".repeat(2000) } })).toEqual(["properties"])
    expect(issuesOf({ type: "x", time: 1 })).toEqual(["time"])
    expect(issuesOf([])).toBeUndefined()
    const error = new EventInvalid({ path: "type", message: "type: expected a non-empty string, got 42" })
    expect(error.toJSON()).toEqual({
      name: "EventInvalid",
      message: "type: expected a non-empty string, got 42",
      issues: [{ path: "type", message: "type: expected a non-empty string, got 42" }],
    })
  })
})
