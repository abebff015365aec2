/**
 * The lifecycle's table of transitions, without a network: each row is a state, an event, and the state and
 * commands that must follow.
 */
import { describe, expect, test } from "bun:test"
import {
  SseContentTypeError,
  SseEventTooLarge,
  SseHttpError,
  SseNetworkError,
  SseStaleError,
  SseStreamEnded,
} from "../errors.ts"
import { DEFAULT_BACKOFF } from "../reconnect/backoff.ts"
import {
  type Command,
  initialState,
  type LifecycleEvent,
  type LifecycleState,
  MIN_RETRY_MS,
  receive,
  statusOf,
  stillWanted,
  transition,
} from "./lifecycle.ts"

const URL_SHOWN = "http://127.0.0.1:4096/global/event"
// random 0.5: the jitter factor is exactly 1, so delays are min(cap, base·2^(n-1)).
const context = { url: URL_SHOWN, backoff: DEFAULT_BACKOFF, random: () => 0.5 }
const AT = 1_000_000

const fresh = initialState(500)
const connecting: LifecycleState = { ...fresh, connection: 1, started: 1 }
const open: LifecycleState = { ...connecting, state: "open" }
const waiting: LifecycleState = {
  ...fresh,
  state: "reconnecting",
  started: 1,
  failed: true,
  attempt: 1,
  nextRetryAt: AT + 500,
  error: new SseStreamEnded(URL_SHOWN),
}
const closed: LifecycleState = { ...open, state: "closed", connection: 0 }

const streamResponse = (status = 200, contentType = "text/event-stream", body: string | null = "") =>
  new Response(body, { status, headers: contentType ? { "content-type": contentType } : {} })

const types = (commands: readonly Command[]) => commands.map((command) => command.type)
const message = { id: "7", event: "message", data: "x" }

interface Row {
  readonly name: string
  readonly from: LifecycleState
  readonly event: LifecycleEvent
  readonly state: Partial<LifecycleState>
  readonly commands: readonly Command["type"][]
}

const STAYS = "stays"
/** What a retry does: drop the connection, say so, wait. */
const RETRIES: readonly Command["type"][] = ["abort", "status", "wait"]
/** What closing does: drop the connection, cancel a wait, stop listening, say so, end the iterators. */
const CLOSES: readonly Command["type"][] = ["abort", "cancel-wait", "unlisten", "status", "end"]

const rows: (
  | Row
  | {
      readonly name: string
      readonly from: LifecycleState
      readonly event: LifecycleEvent
      readonly stays: typeof STAYS
    }
)[] = [
  // timer
  {
    name: "timer: the first attempt starts as connecting",
    from: fresh,
    event: { type: "timer" },
    state: { state: "connecting", connection: 1, started: 1 },
    commands: ["status", "connect"],
  },
  {
    name: "timer: after a failure the next attempt is reconnecting, its wait over",
    from: waiting,
    event: { type: "timer" },
    state: { state: "reconnecting", connection: 2, started: 2, nextRetryAt: undefined, attempt: 1 },
    commands: ["status", "connect"],
  },
  { name: "timer: closed stays closed", from: closed, event: { type: "timer" }, stays: STAYS },
  {
    name: "timer: a connection in progress is left alone",
    from: connecting,
    event: { type: "timer" },
    stays: STAYS,
  },
  // wake
  {
    name: "wake: a waiting reconnect goes now",
    from: waiting,
    event: { type: "wake" },
    state: { state: "reconnecting", connection: 2, nextRetryAt: undefined },
    commands: ["cancel-wait", "status", "connect"],
  },
  {
    name: "wake: an open stream is the watchdog's business",
    from: open,
    event: { type: "wake" },
    stays: STAYS,
  },
  { name: "wake: closed stays closed", from: closed, event: { type: "wake" }, stays: STAYS },
  // close
  {
    name: "close: an open stream ends without an error",
    from: { ...open, error: new Error("old") },
    event: { type: "close" },
    state: { state: "closed", connection: 0, error: undefined },
    commands: CLOSES,
  },
  {
    name: "close: a waiting reconnect is cancelled",
    from: waiting,
    event: { type: "close" },
    state: { state: "closed", nextRetryAt: undefined, error: undefined },
    commands: CLOSES,
  },
  { name: "close: twice is once", from: closed, event: { type: "close" }, stays: STAYS },
  // headers
  {
    name: "headers: the request goes out",
    from: connecting,
    event: { type: "headers", connection: 1, headers: { "x-a": "1" } },
    state: {},
    commands: ["fetch"],
  },
  {
    name: "headers: invalid ones end the stream (retrying would repeat them)",
    from: connecting,
    event: { type: "headers", connection: 1, headers: { "x-a": "a\nb" } },
    state: { state: "closed" },
    commands: CLOSES,
  },
  {
    name: "headers: of a closed stream are dropped",
    from: closed,
    event: { type: "headers", connection: 1, headers: undefined },
    stays: STAYS,
  },
  // response
  {
    name: "response: 200 text/event-stream opens and clears the last error",
    from: { ...connecting, error: new Error("old"), attempt: 3 },
    event: { type: "response", connection: 1, response: streamResponse() },
    state: { state: "open", error: undefined, attempt: 3, attemptAtOpen: 3 },
    commands: ["status", "read"],
  },
  {
    name: "response: not 200 → its body is read for the error message",
    from: connecting,
    event: { type: "response", connection: 1, response: streamResponse(503, "text/plain", "busy") },
    state: { state: "connecting" },
    commands: ["read-refusal"],
  },
  {
    name: "response: another content type ends the stream; its body is let go",
    from: connecting,
    event: { type: "response", connection: 1, response: streamResponse(200, "text/html", "<p>") },
    state: { state: "closed" },
    commands: ["discard", ...CLOSES],
  },
  {
    name: "response: without a body the fetch cannot stream: closed",
    from: connecting,
    event: { type: "response", connection: 1, response: streamResponse(200, "text/event-stream", null) },
    state: { state: "closed" },
    commands: CLOSES,
  },
  {
    name: "response: of a connection closed meanwhile → only its body is let go",
    from: closed,
    event: { type: "response", connection: 1, response: streamResponse() },
    state: { state: "closed" },
    commands: ["discard"],
  },
  // refused
  {
    name: "refused: 5xx retries, honouring a longer Retry-After",
    from: connecting,
    event: {
      type: "refused",
      connection: 1,
      status: 503,
      statusText: "",
      body: "",
      retryAfterMs: 2000,
      at: AT,
    },
    state: { state: "reconnecting", connection: 0, attempt: 1, nextRetryAt: AT + 2000, failed: true },
    commands: RETRIES,
  },
  {
    name: "refused: 429 retries after the backoff when Retry-After is shorter",
    from: connecting,
    event: {
      type: "refused",
      connection: 1,
      status: 429,
      statusText: "",
      body: "",
      retryAfterMs: 100,
      at: AT,
    },
    state: { state: "reconnecting", nextRetryAt: AT + 500 },
    commands: RETRIES,
  },
  {
    name: "refused: 401 ends in closed (no retry storm)",
    from: connecting,
    event: { type: "refused", connection: 1, status: 401, statusText: "", body: "", retryAfterMs: 0, at: AT },
    state: { state: "closed" },
    commands: CLOSES,
  },
  // frame
  {
    name: "frame: a message is delivered; the counter resets, the id moves",
    from: { ...open, attempt: 4 },
    event: { type: "frame", connection: 1, message, retryMs: undefined, at: AT },
    state: { attempt: 0, lastEventId: "7", lastEventAt: AT, unreported: true },
    commands: ["deliver"],
  },
  {
    name: "frame: retry: sets the base delay, never below the floor",
    from: open,
    event: { type: "frame", connection: 1, message: undefined, retryMs: 5, at: AT },
    state: { baseMs: MIN_RETRY_MS, lastEventAt: AT, unreported: true },
    commands: [],
  },
  {
    name: "frame: a comment proves the connection alive",
    from: { ...open, attempt: 2 },
    event: { type: "frame", connection: 1, message: undefined, retryMs: undefined, at: AT },
    state: { attempt: 0, lastEventAt: AT },
    commands: [],
  },
  {
    name: "frame: after a handler closed the stream mid-chunk, the rest is dropped",
    from: closed,
    event: { type: "frame", connection: 1, message, retryMs: undefined, at: AT },
    stays: STAYS,
  },
  // chunk
  {
    name: "chunk: onStatus hears of the chunk's frames once",
    from: { ...open, unreported: true },
    event: { type: "chunk", connection: 1, lastEventId: "", tooLarge: undefined, at: AT },
    state: { unreported: false },
    commands: ["status"],
  },
  {
    name: "chunk: an id: line without data moves the resume point",
    from: open,
    event: { type: "chunk", connection: 1, lastEventId: "9", tooLarge: undefined, at: AT },
    state: { lastEventId: "9" },
    commands: ["status"],
  },
  {
    name: "chunk: nothing new, nothing said",
    from: open,
    event: { type: "chunk", connection: 1, lastEventId: "", tooLarge: undefined, at: AT },
    stays: STAYS,
  },
  {
    name: "chunk: an oversized event retries, without letting its frames reset the counter",
    from: { ...open, attempt: 0, attemptAtOpen: 3 },
    event: { type: "chunk", connection: 1, lastEventId: "", tooLarge: new SseEventTooLarge(10, 11), at: AT },
    state: { state: "reconnecting", attempt: 4, nextRetryAt: AT + 4000 },
    commands: RETRIES,
  },
  // end, error, stale
  {
    name: "end: a normal end of the response reconnects",
    from: open,
    event: { type: "end", connection: 1, at: AT },
    state: { state: "reconnecting", attempt: 1, nextRetryAt: AT + 500 },
    commands: RETRIES,
  },
  {
    name: "error: a network error reconnects, the delay doubling per attempt",
    from: { ...connecting, attempt: 2, failed: true, state: "reconnecting" },
    event: {
      type: "error",
      connection: 1,
      error: new SseNetworkError(URL_SHOWN, new Error("refused")),
      retry: true,
      at: AT,
    },
    state: { state: "reconnecting", attempt: 3, nextRetryAt: AT + 2000 },
    commands: RETRIES,
  },
  {
    name: "error: a failure nobody foresaw ends the stream with it",
    from: open,
    event: { type: "error", connection: 1, error: new Error("bug"), retry: false, at: AT },
    state: { state: "closed" },
    commands: CLOSES,
  },
  {
    name: "error: of a connection already replaced is dropped",
    from: { ...open, connection: 2, started: 2 },
    event: { type: "error", connection: 1, error: new Error("late"), retry: true, at: AT },
    stays: STAYS,
  },
  {
    name: "stale: the connection is aborted and retried",
    from: open,
    event: { type: "stale", limitMs: 25_000, at: AT },
    state: { state: "reconnecting", attempt: 1, nextRetryAt: AT + 500 },
    commands: RETRIES,
  },
  {
    name: "stale: while waiting there is nothing to abort",
    from: waiting,
    event: { type: "stale", limitMs: 1, at: AT },
    stays: STAYS,
  },
  // last-event-id
  {
    name: "last-event-id: the parser and onStatus follow",
    from: open,
    event: { type: "last-event-id", id: "42" },
    state: { lastEventId: "42" },
    commands: ["set-parser-id", "status"],
  },
  {
    name: "last-event-id: the same id changes nothing",
    from: { ...open, lastEventId: "42" },
    event: { type: "last-event-id", id: "42" },
    stays: STAYS,
  },
]

describe("lifecycle transitions", () => {
  for (const row of rows) {
    test(row.name, () => {
      const step = transition(row.from, row.event, context)
      if ("stays" in row) {
        expect(step.state).toBe(row.from)
        expect(step.commands).toEqual([])
        return
      }
      expect(step.state).toMatchObject(row.state)
      expect(types(step.commands)).toEqual([...row.commands])
    })
  }

  test("errors say why: stale, ended, HTTP status, content type", () => {
    expect(transition(open, { type: "stale", limitMs: 25_000, at: AT }, context).state.error).toBeInstanceOf(
      SseStaleError,
    )
    expect(transition(open, { type: "end", connection: 1, at: AT }, context).state.error).toBeInstanceOf(
      SseStreamEnded,
    )
    const refused = transition(
      connecting,
      {
        type: "refused",
        connection: 1,
        status: 401,
        statusText: "Unauthorized",
        body: "no",
        retryAfterMs: 0,
        at: AT,
      },
      context,
    ).state.error as SseHttpError
    expect(refused).toBeInstanceOf(SseHttpError)
    expect(refused.status).toBe(401)
    expect(refused.message).toContain(URL_SHOWN)
    const wrongType = transition(
      connecting,
      { type: "response", connection: 1, response: streamResponse(200, "application/json", "{}") },
      context,
    ).state.error
    expect(wrongType).toBeInstanceOf(SseContentTypeError)
  })

  test("the stale abort carries the stale error; other aborts none", () => {
    const stale = transition(open, { type: "stale", limitMs: 25_000, at: AT }, context)
    expect(stale.commands[0]).toEqual({ type: "abort", reason: stale.state.error })
    const ended = transition(open, { type: "end", connection: 1, at: AT }, context)
    expect(ended.commands[0]).toEqual({ type: "abort", reason: undefined })
  })

  test("the request carries Last-Event-ID and the wait is the backoff's delay", () => {
    const fetch = transition(
      { ...connecting, lastEventId: "41" },
      { type: "headers", connection: 1, headers: undefined },
      context,
    )
    expect(fetch.commands[0]).toMatchObject({
      type: "fetch",
      connection: 1,
      headers: { "Last-Event-ID": "41" },
    })
    const retry = transition(open, { type: "end", connection: 1, at: AT }, context)
    expect(retry.commands[2]).toEqual({ type: "wait", ms: 500, until: AT + 500 })
  })

  test("a run: connect, open, frames, drop, back off, reconnect and resume", () => {
    let state = initialState(500)
    const run = (event: LifecycleEvent) => {
      const step = transition(state, event, context)
      state = step.state
      return types(step.commands)
    }
    expect(run({ type: "timer" })).toEqual(["status", "connect"])
    expect(run({ type: "headers", connection: 1, headers: undefined })).toEqual(["fetch"])
    expect(run({ type: "response", connection: 1, response: streamResponse() })).toEqual(["status", "read"])
    expect(run({ type: "frame", connection: 1, message, retryMs: undefined, at: AT })).toEqual(["deliver"])
    expect(run({ type: "chunk", connection: 1, lastEventId: "7", tooLarge: undefined, at: AT })).toEqual([
      "status",
    ])
    for (let n = 1; n <= 3; n++) {
      expect(
        run({
          type: "error",
          connection: state.connection || state.started,
          error: new Error("down"),
          retry: true,
          at: AT,
        }),
      ).toEqual(n === 1 ? ["abort", "status", "wait"] : [])
      if (n === 1) expect(state).toMatchObject({ state: "reconnecting", attempt: 1, nextRetryAt: AT + 500 })
    }
    expect(run({ type: "timer" })).toEqual(["status", "connect"])
    const request = transition(state, { type: "headers", connection: 2, headers: undefined }, context)
    expect(request.commands[0]).toMatchObject({ headers: { "Last-Event-ID": "7" } })
    expect(run({ type: "error", connection: 2, error: new Error("down"), retry: true, at: AT })).toEqual([
      "abort",
      "status",
      "wait",
    ])
    expect(state.attempt).toBe(2)
    expect(state.nextRetryAt).toBe(AT + 1000)
    expect(statusOf(state)).toEqual({
      state: "reconnecting",
      attempt: 2,
      nextRetryAt: AT + 1000,
      lastEventAt: AT,
      lastEventId: "7",
      error: state.error as Error,
    })
  })
})

describe("receive (the frame step of the hot path)", () => {
  test("returns the state itself for a frame of a connection that is not current", () => {
    expect(receive(closed, 1, message, undefined, AT)).toBe(closed)
    expect(receive(open, 2, message, undefined, AT)).toBe(open)
  })

  test("equals the frame transition's state", () => {
    const event = { type: "frame", connection: 1, message, retryMs: undefined, at: AT } as const
    expect(receive(open, 1, message, undefined, AT)).toEqual(transition(open, event, context).state)
  })
})

describe("stillWanted", () => {
  test("a connection is started or read only while current; a wait only while it is the one awaited", () => {
    expect(stillWanted({ type: "connect", connection: 1 }, connecting)).toBe(true)
    expect(stillWanted({ type: "connect", connection: 1 }, closed)).toBe(false)
    expect(stillWanted({ type: "read", connection: 1, body: new ReadableStream() }, closed)).toBe(false)
    expect(stillWanted({ type: "wait", ms: 500, until: AT + 500 }, waiting)).toBe(true)
    expect(
      stillWanted(
        { type: "wait", ms: 500, until: AT + 500 },
        { ...waiting, state: "closed", nextRetryAt: undefined },
      ),
    ).toBe(false)
    expect(stillWanted({ type: "status" }, closed)).toBe(true)
  })
})

describe("statusOf", () => {
  test("optional fields appear only when set", () => {
    expect(statusOf(fresh)).toEqual({ state: "connecting", attempt: 0 })
    expect(Object.keys(statusOf(waiting)).sort()).toEqual(["attempt", "error", "nextRetryAt", "state"])
  })
})
