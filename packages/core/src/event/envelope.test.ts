import { describe, expect, test } from "bun:test"
import { EPHEMERAL_ID, isDurable } from "./envelope.ts"
import { EventType } from "./types.ts"

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
