import { describe, expect, test } from "bun:test"
import {
  describeError,
  emptyHistory,
  measuredCadence,
  recordConnect,
  recordHeartbeat,
  recordStatus,
  stateSpans,
} from "./connection-history.ts"

describe("recordStatus", () => {
  test("records changes of state, not repeats", () => {
    let h = emptyHistory()
    h = recordStatus(h, { state: "connecting", attempt: 0 }, 0)
    h = recordStatus(h, { state: "open", attempt: 0 }, 10)
    h = recordStatus(h, { state: "open", attempt: 0 }, 20)
    h = recordStatus(h, { state: "open", attempt: 0 }, 30)
    expect(h.transitions.map((t) => [t.from, t.to, t.at])).toEqual([
      [null, "connecting", 0],
      ["connecting", "open", 10],
    ])
    expect(h.reconnects).toBe(0)
  })

  test("each new reconnect attempt is a transition; entering reconnecting counts one reconnect", () => {
    let h = emptyHistory()
    h = recordStatus(h, { state: "open", attempt: 0 }, 0)
    h = recordStatus(
      h,
      { state: "reconnecting", attempt: 1, nextRetryAt: 600, error: new Error("reset") },
      100,
    )
    h = recordStatus(h, { state: "reconnecting", attempt: 1 }, 600) // same attempt, request in flight
    h = recordStatus(h, { state: "reconnecting", attempt: 2, nextRetryAt: 1700 }, 700)
    h = recordStatus(h, { state: "open", attempt: 0 }, 1800)
    h = recordStatus(h, { state: "reconnecting", attempt: 1 }, 5000)
    expect(h.transitions.map((t) => `${t.to}#${t.attempt}`)).toEqual([
      "open#0",
      "reconnecting#1",
      "reconnecting#2",
      "open#0",
      "reconnecting#1",
    ])
    expect(h.transitions[1]?.reason).toBe("reset")
    expect(h.transitions[1]?.nextRetryAt).toBe(600)
    expect(h.reconnects).toBe(2)
  })

  test("keeps at most `limit` transitions, newest last", () => {
    let h = emptyHistory(3)
    for (let i = 0; i < 10; i++)
      h = recordStatus(h, { state: i % 2 ? "open" : "reconnecting", attempt: 1 }, i)
    expect(h.transitions.map((t) => t.at)).toEqual([7, 8, 9])
  })
})

describe("measuredCadence", () => {
  test("undefined with fewer than two heartbeats", () => {
    expect(measuredCadence(recordHeartbeat(emptyHistory(), 1000))).toBeUndefined()
  })

  test("the median gap ignores one outlier", () => {
    let h = emptyHistory()
    for (const t of [0, 1000, 2010, 2990, 9000, 10_000]) h = recordHeartbeat(h, t)
    expect(measuredCadence(h)).toBe(1000)
  })

  test("only counts heartbeats since the last connect, so a new cadence shows at once", () => {
    let h = emptyHistory()
    for (const t of [0, 1000, 2000, 3000]) h = recordHeartbeat(h, t)
    h = recordConnect(h, 3500)
    h = recordHeartbeat(h, 5500)
    expect(measuredCadence(h)).toBeUndefined()
    h = recordHeartbeat(h, 7500)
    expect(measuredCadence(h)).toBe(2000)
  })

  test("uses only the last `sample` gaps", () => {
    let h = emptyHistory()
    for (const t of [0, 1000, 2000, 3000, 4000, 6000, 8000, 10_000]) h = recordHeartbeat(h, t)
    expect(measuredCadence(h, 3)).toBe(2000)
  })
})

test("stateSpans clips the transitions to the window", () => {
  let h = emptyHistory()
  h = recordStatus(h, { state: "connecting", attempt: 0 }, 0)
  h = recordStatus(h, { state: "open", attempt: 0 }, 100)
  h = recordStatus(h, { state: "reconnecting", attempt: 1 }, 500)
  h = recordStatus(h, { state: "open", attempt: 0 }, 800)
  expect(stateSpans(h, 200, 1000)).toEqual([
    { state: "open", from: 200, to: 500 },
    { state: "reconnecting", from: 500, to: 800 },
    { state: "open", from: 800, to: 1000 },
  ])
  expect(stateSpans(h, 2000, 3000)).toEqual([{ state: "open", from: 2000, to: 3000 }])
})

test("describeError reads errors, strings and message-bearing objects", () => {
  expect(describeError(undefined)).toBeUndefined()
  expect(describeError(new TypeError("fetch failed"))).toBe("fetch failed")
  expect(describeError("gone")).toBe("gone")
  expect(describeError({ message: "x" })).toBe("x")
  expect(describeError(42)).toBe("42")
})
