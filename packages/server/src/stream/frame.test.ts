import { describe, expect, test } from "bun:test"
import { durableFrame, envelopeJson, ephemeralFrame, frameText, retryFrame } from "./frame.ts"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("SSE frames", () => {
  test("a durable event: id line, one data line with the envelope, blank line; no event: field", () => {
    const frame = text(
      durableFrame("0000000000000007", "build.done", '{"ok":true,"s":"a\\nb"}', 1700000000000),
    )
    expect(frame).toBe(
      'id: 0000000000000007\ndata: {"id":"0000000000000007","type":"build.done","properties":{"ok":true,"s":"a\\nb"},"time":1700000000000}\n\n',
    )
    expect(frame.split("\n")).toHaveLength(4)
    expect(frame).not.toContain("event:")
  })

  test("an ephemeral event has no id line and an empty envelope id", () => {
    expect(text(ephemeralFrame("server.heartbeat", { heartbeat_ms: 1000 }, 5))).toBe(
      'data: {"id":"","type":"server.heartbeat","properties":{"heartbeat_ms":1000},"time":5}\n\n',
    )
  })

  test("types with quotes or line breaks stay inside one JSON line", () => {
    const json = envelopeJson("1", 'a"b\nc', "{}", 0)
    expect(json).not.toContain("\n")
    expect(JSON.parse(json).type).toBe('a"b\nc')
  })

  test("ids that would break the frame are refused", () => {
    expect(() => frameText("{}", "a\nb")).toThrow(/CR, LF or NUL/)
    expect(() => frameText("{}", "a\rb")).toThrow()
    expect(() => frameText("{}", "a\0b")).toThrow()
  })

  test("retry", () => {
    expect(text(retryFrame(500))).toBe("retry: 500\n\n")
  })
})
