import { describe, expect, test } from "bun:test"
import { EventInvalid } from "./errors.ts"
import { loneSurrogateAt } from "./json-scan.ts"
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

  test("refuses every built-in type, config.updated included, unless the server publishes it", () => {
    expect(refusal({ type: "config.updated", properties: { config: {}, changed: [] } })).toMatch(
      /type: "config.updated" is reserved for the server's own events.*"myapp.config.updated"/,
    )
    expect(refusal({ type: "server.resync" })).toMatch(/reserved/)
    expect(refusal({ type: "server.anything.new" })).toMatch(/reserved/)
    expect(
      prepareEvent({ type: "config.updated", properties: { changed: [] } }, 1024, { builtin: true }),
    ).toEqual({
      type: "config.updated",
      properties: '{"changed":[]}',
    })
    // Only the exact built-in names: a type of one's own that merely starts alike is fine.
    expect(prepareEvent({ type: "config.updated.mine" }, 1024).type).toBe("config.updated.mine")
  })

  test("refuses strings that are not well-formed Unicode, naming the field: type, values and keys", () => {
    const issueOf = (input: unknown) => {
      try {
        prepareEvent(input, 1024)
      } catch (error) {
        expect(error).toBeInstanceOf(EventInvalid)
        const json = (error as EventInvalid).toJSON()
        return { path: json.issues?.[0]?.path, message: json.message }
      }
      throw new Error("expected a refusal")
    }
    const type = issueOf({ type: "a\ud800" })
    expect(type.path).toBe("type")
    expect(type.message).toMatch(/^type: is not well-formed Unicode: a lone surrogate \\ud800 at index 1/)
    expect(issueOf({ type: "x", properties: { user: { names: ["ok", "b\udfff"] } } })).toEqual({
      path: "properties.user.names[1]",
      message: expect.stringMatching(/lone surrogate \\udfff at index 1/),
    })
    const key = issueOf({ type: "x", properties: { user: { "k\udc00": 1 } } })
    expect(key.path).toBe("properties.user")
    expect(key.message).toMatch(/^properties.user: the key "k\\udc00" is not well-formed Unicode/)
    // The message itself is well-formed, so the 400 body carries it unchanged.
    expect(loneSurrogateAt(key.message)).toBe(-1)
    // A lone surrogate made by a toJSON is seen too: what is checked is what would be stored.
    expect(issueOf({ type: "x", properties: { when: { toJSON: () => "\ud800" } } }).path).toBe(
      "properties.when",
    )
    // Valid pairs, and text that merely reads like an escape, pass.
    expect(prepareEvent({ type: "emoji.😀", properties: { s: "😀", t: "\\ud800" } }, 1024).type).toBe(
      "emoji.😀",
    )
  })

  test("refuses nesting deeper than 64 levels, naming the limit and the depth", () => {
    const nested = (levels: number): Record<string, unknown> => {
      let value: Record<string, unknown> = {}
      for (let i = 1; i < levels; i++) value = { a: value }
      return value
    }
    expect(prepareEvent({ type: "x", properties: nested(64) }, 100_000).type).toBe("x")
    expect(refusal({ type: "x", properties: nested(65) }, 100_000)).toBe(
      "properties: nested 65 levels deep, over the limit of 64 levels",
    )
    let deep: unknown = 1
    for (let i = 0; i < 10_000; i++) deep = [deep]
    expect(refusal({ type: "x", properties: { deep } }, 100_000)).toBe(
      "properties: nested 10001 levels deep, over the limit of 64 levels",
    )
    // Brackets inside strings are text, not nesting.
    expect(prepareEvent({ type: "x", properties: { s: "[[[[".repeat(100) } }, 100_000).type).toBe("x")
  })
})
