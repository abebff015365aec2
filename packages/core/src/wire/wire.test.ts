import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { EPHEMERAL_ID, isDurable } from "./envelope.ts"
import { EventType } from "./events.ts"
import { DEFAULT_RETRY_MS, HEARTBEAT_MS, STALE_HEARTBEATS } from "./timing.ts"

describe("event envelope", () => {
  test("an empty id marks an ephemeral event; any other id is durable", () => {
    expect(EPHEMERAL_ID).toBe("")
    expect(isDurable({ id: EPHEMERAL_ID })).toBe(false)
    expect(isDurable({ id: "0000000000000001" })).toBe(true)
  })

  test("built-in event types are the wire strings", () => {
    expect(EventType).toEqual({
      Connected: "server.connected",
      Heartbeat: "server.heartbeat",
      Resync: "server.resync",
      ConfigUpdated: "config.updated",
    })
  })
})

describe("timing", () => {
  test("heartbeat 1000–60000 ms (default 10000), retry 500 ms, stale after 2.5 heartbeats", () => {
    expect(HEARTBEAT_MS).toEqual({ min: 1000, max: 60_000, default: 10_000 })
    expect(DEFAULT_RETRY_MS).toBe(500)
    expect(STALE_HEARTBEATS).toBe(2.5)
  })
})

describe("@tether/core/wire", () => {
  // The SDK compiles these files into its own dist: an import of zod, node: or a file outside this folder
  // would break it there (or give it a runtime dependency).
  test("imports nothing but its own files", () => {
    const files = readdirSync(import.meta.dir).filter(
      (name) => name.endsWith(".ts") && !name.endsWith(".test.ts"),
    )
    expect(files.length).toBeGreaterThanOrEqual(5)
    for (const name of files) {
      const text = readFileSync(join(import.meta.dir, name), "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "")
      const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1])
      for (const specifier of specifiers)
        expect({ name, specifier }).toEqual({ name, specifier: expect.stringMatching(/^\.\/[a-z-]+\.ts$/) })
    }
  })
})
