import { expect, test } from "bun:test"
import { describeApiError, issueAt } from "./api-error.ts"

test("reads a Tether API error body with issues", () => {
  const error = Object.assign(new Error("PATCH … answered 400"), {
    status: 400,
    error: {
      name: "ConfigInvalid",
      message: "server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500",
      issues: [
        {
          path: "server.event_stream.heartbeat_ms",
          message: "expected an integer from 1000 to 60000, got 500",
        },
        { bad: 1 },
      ],
    },
  })
  const described = describeApiError(error)
  expect(described.name).toBe("ConfigInvalid")
  expect(described.issues).toHaveLength(1)
  expect(issueAt(described, "server.event_stream.heartbeat_ms")).toContain("got 500")
  expect(issueAt(described, "server.port")).toBeUndefined()
})

test("falls back to an Error's message, then to String()", () => {
  expect(describeApiError(new TypeError("Failed to fetch"))).toEqual({
    name: "TypeError",
    message: "Failed to fetch",
    issues: [],
  })
  expect(describeApiError("nope")).toEqual({ name: "Error", message: "nope", issues: [] })
})
