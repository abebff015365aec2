import { describe, expect, test } from "bun:test"
import { makeServerLog, redact } from "./log.ts"

const capture = (options: Parameters<typeof makeServerLog>[0] = {}) => {
  const lines: string[] = []
  const log = makeServerLog({ ...options, write: (line) => lines.push(line) })
  return { log, lines }
}

describe("server log", () => {
  test("json: one object per line with time, level, message and the fields", () => {
    const { log, lines } = capture({ format: "json", level: "debug" })
    log.debug("stream closed", { stream: 3, reason: "slow", gone: undefined })
    expect(lines).toHaveLength(1)
    expect(lines[0]?.endsWith("\n")).toBe(true)
    const entry = JSON.parse(lines[0] as string)
    expect(entry).toEqual({
      time: expect.any(String),
      level: "debug",
      message: "stream closed",
      stream: 3,
      reason: "slow",
    })
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false)
  })

  test("pretty: one line, time, padded level, tether: prefix once, key=value fields quoted when needed", () => {
    const { log, lines } = capture()
    log.warn("tether: dropped a slow client", { reason: "slow", note: "two words" })
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}tether: dropped a slow client reason=slow note="two words"\n$/,
    )
  })

  test("lines below the level are not written", () => {
    const { log, lines } = capture({ level: "warn" })
    log.debug("d")
    log.info("i")
    log.warn("w")
    log.error("e")
    expect(lines.map((line) => line.split(" ")[1])).toEqual(["WARN", "ERROR"])
    expect(log.enabled("info")).toBe(false)
    expect(log.enabled("error")).toBe(true)
  })

  test("a secret never reaches a line, in the message or a field, raw or JSON-escaped", () => {
    const secret = 'pa"ss\\word'
    for (const format of ["json", "pretty"] as const) {
      const { log, lines } = capture({ format, secrets: [secret] })
      log.info(`oops ${secret}`, { header: `Bearer ${secret}`, url: `/global/event?token=${secret}` })
      expect(lines).toHaveLength(1)
      expect(lines[0]).not.toContain(secret)
      expect(lines[0]).not.toContain(JSON.stringify(secret).slice(1, -1))
      expect(lines[0]).toContain("[redacted]")
    }
  })

  test("redact removes token= values and Bearer/Basic credentials even when the secret is unknown", () => {
    expect(redact("GET /global/event?last_event_id=5&token=abc123 x", [])).toBe(
      "GET /global/event?last_event_id=5&token=[redacted] x",
    )
    expect(redact("authorization: Basic dXNlcjpwdw==", [])).toBe("authorization: Basic [redacted]")
    expect(redact("Authorization: Bearer abc", ["abc"])).toBe("Authorization: Bearer [redacted]")
  })
})
