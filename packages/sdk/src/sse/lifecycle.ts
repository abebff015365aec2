/**
 * The lifecycle of one `openEventStream` connection as a pure state machine, in the shape of the
 * `eventsource` package's steps: `transition(state, event, context)` returns the next state and the
 * commands that carry it out (fetch, abort, timers, callbacks); `open.ts` performs them and reports
 * what happened back as events. No I/O, no clock, no timers here: the table of transitions is tested
 * without a network (`lifecycle.test.ts`).
 *
 * Every "is this still the connection I started?" question is answered here, once: connections are
 * numbered, and an event of one that is no longer current (closed, or replaced after an error) changes
 * nothing, except that a response nobody waits for any more has its body cancelled.
 *
 * @module
 */
import {
  SseContentTypeError,
  type SseEventTooLarge,
  SseHttpError,
  SseStaleError,
  SseStreamEnded,
} from "../errors.ts"
import { type BackoffOptions, backoffDelay } from "../reconnect/backoff.ts"
import { streamRequestHeaders } from "./request.ts"
import { isEventStream } from "./response.ts"
import type { SseMessage, StreamState, StreamStatus } from "./types.ts"

/** A server's `retry:` below this is raised to it: `retry: 0` plus a server that closes at once would be a busy loop. */
export const MIN_RETRY_MS = 100

/** Where a stream stands: everything its status shows, plus what the next steps need. */
export interface LifecycleState {
  readonly state: StreamState
  /** The connection in progress or open, numbered from 1; 0 while waiting to reconnect and once closed. */
  readonly connection: number
  /** How many connections were started: the next is numbered `started + 1`. */
  readonly started: number
  /** Failed attempts since the last frame received. */
  readonly attempt: number
  /** `attempt` when the current connection opened: an oversized event puts the counter back there. */
  readonly attemptAtOpen: number
  /** A connection failed once: every later attempt reads as `reconnecting`. */
  readonly failed: boolean
  /** The backoff's base delay: `backoff.baseMs` until a server's `retry:` replaces it. */
  readonly baseMs: number
  readonly nextRetryAt: number | undefined
  readonly lastEventAt: number | undefined
  /** Sent as `Last-Event-ID` by the next connection; `""` for none. */
  readonly lastEventId: string
  readonly error: Error | undefined
  /** Frames arrived that `onStatus` has not heard of yet: it hears of them once per chunk. */
  readonly unreported: boolean
}

/** What happened, as the runner reports it. `at` is the clock's time then; `connection` the number of the connection concerned. */
export type LifecycleEvent =
  /** The wait before the next attempt is over (the first attempt: at once). */
  | { readonly type: "timer" }
  /** The browser came back online or the page became visible: a waiting reconnect goes now. */
  | { readonly type: "wake" }
  /** `close()`, or the abort signal. */
  | { readonly type: "close" }
  /** The application replaced the resume point (`setLastEventId`). */
  | { readonly type: "last-event-id"; readonly id: string }
  /** The extra request headers are known (a `headers` function settled). */
  | { readonly type: "headers"; readonly connection: number; readonly headers: HeadersInit | undefined }
  | { readonly type: "response"; readonly connection: number; readonly response: Response }
  /** A response that was not 200, with the start of its body and its `Retry-After` in ms (0: none). */
  | {
      readonly type: "refused"
      readonly connection: number
      readonly status: number
      readonly statusText: string
      readonly body: string
      readonly retryAfterMs: number
      readonly at: number
    }
  /** A frame arrived: a dispatched event (`message`), a valid `retry:` field (`retryMs`) or a comment (neither). */
  | {
      readonly type: "frame"
      readonly connection: number
      readonly message: SseMessage | undefined
      readonly retryMs: number | undefined
      readonly at: number
    }
  /** One chunk was parsed: the parser's last event ID now, and the event that outgrew `maxEventSize`, if one did. */
  | {
      readonly type: "chunk"
      readonly connection: number
      readonly lastEventId: string
      readonly tooLarge: SseEventTooLarge | undefined
      readonly at: number
    }
  /** The response ended normally. */
  | { readonly type: "end"; readonly connection: number; readonly at: number }
  /** The attempt failed: retried with backoff (`retry`) or the end of the stream. */
  | {
      readonly type: "error"
      readonly connection: number
      readonly error: Error
      readonly retry: boolean
      readonly at: number
    }
  /** The watchdog saw nothing for `limitMs`. */
  | { readonly type: "stale"; readonly limitMs: number; readonly at: number }

/** What the runner is to do, in order. */
export type Command =
  /** Call `onStatus` with the new status. */
  | { readonly type: "status" }
  /** Start connection `connection`: arm the watchdog, then resolve the headers (a `headers` event). */
  | { readonly type: "connect"; readonly connection: number }
  | { readonly type: "fetch"; readonly connection: number; readonly headers: Record<string, string> }
  /** Read the first words of a refusal's body (then a `refused` event). */
  | { readonly type: "read-refusal"; readonly connection: number; readonly response: Response }
  /** Read and parse the body (`frame`, `chunk`, then `end` or `error` events). */
  | { readonly type: "read"; readonly connection: number; readonly body: ReadableStream<Uint8Array> }
  /** Cancel a response body nobody will read. */
  | { readonly type: "discard"; readonly response: Response }
  /** Hand the `frame` event's message to `onMessage` and the iterators (one constant command: the hot path allocates nothing for it). */
  | { readonly type: "deliver" }
  /** Abort the current connection's request, stop its watchdog. */
  | { readonly type: "abort"; readonly reason: Error | undefined }
  /** A `timer` event after `ms`, the wait that ends at `until` (the status's `nextRetryAt`). */
  | { readonly type: "wait"; readonly ms: number; readonly until: number }
  /** Cancel the pending `wait`, if any. */
  | { readonly type: "cancel-wait" }
  /** Stop listening for wake-ups and the abort signal. */
  | { readonly type: "unlisten" }
  /** The parser's last event ID buffer follows a `setLastEventId`. */
  | { readonly type: "set-parser-id"; readonly id: string }
  /** End the iterators, with `error` when there is one. */
  | { readonly type: "end"; readonly error: Error | undefined }

/** The next state and what to do to get there. */
export interface Step {
  readonly state: LifecycleState
  readonly commands: readonly Command[]
}

/** What the transitions need besides the state: fixed for a stream's life. */
export interface LifecycleContext {
  /** The stream's URL as errors show it (without credentials). */
  readonly url: string
  readonly backoff: BackoffOptions
  /** Uniform random source in `[0, 1)` for the jitter. */
  readonly random: () => number
}

const NOTHING: readonly Command[] = Object.freeze([])
const STATUS: Command = { type: "status" }
const CANCEL_WAIT: Command = { type: "cancel-wait" }
const DELIVER: readonly Command[] = Object.freeze([{ type: "deliver" } as const])

/**
 * The state before anything happened: `connecting`, attempt 0, resuming after `lastEventId` (default `""`).
 *
 * @example
 * ```ts
 * import { initialState } from "./lifecycle.ts"
 * initialState(500, "42").state // "connecting"
 * ```
 */
export function initialState(baseMs: number, lastEventId = ""): LifecycleState {
  return {
    state: "connecting",
    connection: 0,
    started: 0,
    attempt: 0,
    attemptAtOpen: 0,
    failed: false,
    baseMs,
    nextRetryAt: undefined,
    lastEventAt: undefined,
    lastEventId,
    error: undefined,
    unreported: false,
  }
}

/**
 * The status a state shows: a new object, with the optional fields present only when set.
 *
 * @example
 * ```ts
 * import { initialState, statusOf } from "./lifecycle.ts"
 * statusOf(initialState(500)) // { state: "connecting", attempt: 0 }
 * ```
 */
export function statusOf(s: LifecycleState): StreamStatus {
  const status: {
    state: StreamState
    attempt: number
    nextRetryAt?: number
    lastEventAt?: number
    lastEventId?: string
    error?: Error
  } = { state: s.state, attempt: s.attempt }
  if (s.nextRetryAt !== undefined) status.nextRetryAt = s.nextRetryAt
  if (s.lastEventAt !== undefined) status.lastEventAt = s.lastEventAt
  if (s.lastEventId !== "") status.lastEventId = s.lastEventId
  if (s.error !== undefined) status.error = s.error
  return status
}

/**
 * One step of the lifecycle: the state after `event`, and the commands that carry it out.
 *
 * @example
 * ```ts
 * import { DEFAULT_BACKOFF } from "../reconnect/backoff.ts"
 * import { initialState, transition } from "./lifecycle.ts"
 *
 * const context = { url: "http://127.0.0.1:4096/global/event", backoff: DEFAULT_BACKOFF, random: () => 0.5 }
 * const { state, commands } = transition(initialState(500), { type: "timer" }, context)
 * // state.connection === 1; commands: status, then connect connection 1
 * ```
 */
export function transition(s: LifecycleState, event: LifecycleEvent, context: LifecycleContext): Step {
  if (event.type === "frame") {
    const next = receive(s, event.connection, event.message, event.retryMs, event.at)
    return { state: next, commands: next === s || event.message === undefined ? NOTHING : DELIVER }
  }
  switch (event.type) {
    case "timer":
      return s.state === "closed" || s.connection !== 0 ? stay(s) : begin(s)
    case "wake":
      // Only a waiting reconnect is hurried; an open stream is checked by the watchdog.
      return s.nextRetryAt === undefined ? stay(s) : begin(s, CANCEL_WAIT)
    case "close":
      return s.state === "closed" ? stay(s) : finish(s, undefined)
    case "last-event-id":
      if (event.id === s.lastEventId) return stay(s)
      return {
        state: { ...s, lastEventId: event.id },
        commands: [{ type: "set-parser-id", id: event.id }, STATUS],
      }
    case "stale": {
      if (s.connection === 0) return stay(s)
      const stale = new SseStaleError(event.limitMs)
      return retry(s, stale, event.at, context, 0, stale)
    }
    default:
  }
  if (event.connection !== s.connection || s.connection === 0) {
    // A connection that is no longer current: only its response still needs letting go of.
    return event.type === "response"
      ? { state: s, commands: [{ type: "discard", response: event.response }] }
      : stay(s)
  }
  switch (event.type) {
    case "headers":
      return fetchWith(s, event.headers)
    case "response":
      return respond(s, event.response, context)
    case "refused": {
      const error = new SseHttpError(context.url, event.status, event.statusText, event.body)
      const retryable = event.status >= 500 || event.status === 408 || event.status === 429
      return retryable ? retry(s, error, event.at, context, event.retryAfterMs) : finish(s, error)
    }
    case "chunk":
      // Reconnecting would likely replay the same event: do not let its frames reset the backoff.
      if (event.tooLarge) return retry({ ...s, attempt: s.attemptAtOpen }, event.tooLarge, event.at, context)
      if (event.lastEventId !== s.lastEventId) {
        // An `id:` line without data moves the resume point without a message.
        return { state: { ...s, lastEventId: event.lastEventId, unreported: false }, commands: [STATUS] }
      }
      return s.unreported ? { state: { ...s, unreported: false }, commands: [STATUS] } : stay(s)
    case "end":
      return retry(s, new SseStreamEnded(context.url), event.at, context)
    case "error":
      return event.retry ? retry(s, event.error, event.at, context) : finish(s, event.error)
  }
}

/**
 * Whether a command of a step is still to be done when its turn comes: a callback run by an earlier
 * command of the same step (`onStatus`, `onMessage`) may have closed the stream, and then no connection
 * is started or read and no reconnect is scheduled.
 *
 * @example
 * ```ts
 * import { initialState, stillWanted } from "./lifecycle.ts"
 * stillWanted({ type: "connect", connection: 1 }, { ...initialState(500), state: "closed" }) // false
 * ```
 */
export function stillWanted(command: Command, s: LifecycleState): boolean {
  switch (command.type) {
    case "connect":
    case "read":
      return command.connection === s.connection
    case "wait":
      return command.until === s.nextRetryAt
    default:
      return true
  }
}

function stay(s: LifecycleState): Step {
  return { state: s, commands: NOTHING }
}

/** A new connection: reported first (`connecting`, or `reconnecting` after a failure), then started. */
function begin(s: LifecycleState, first?: Command): Step {
  const connection = s.started + 1
  const start: Command[] = [STATUS, { type: "connect", connection }]
  return {
    state: {
      ...s,
      state: s.failed ? "reconnecting" : "connecting",
      connection,
      started: connection,
      nextRetryAt: undefined,
    },
    commands: first ? [first, ...start] : start,
  }
}

function fetchWith(s: LifecycleState, extra: HeadersInit | undefined): Step {
  let headers: Record<string, string>
  try {
    headers = streamRequestHeaders(extra, s.lastEventId)
  } catch (error) {
    // Invalid header names or values are a programming error: retrying would only repeat it.
    return finish(s, error instanceof Error ? error : new TypeError(String(error)))
  }
  return { state: s, commands: [{ type: "fetch", connection: s.connection, headers }] }
}

function respond(s: LifecycleState, response: Response, context: LifecycleContext): Step {
  if (response.status !== 200) {
    return { state: s, commands: [{ type: "read-refusal", connection: s.connection, response }] }
  }
  const contentType = response.headers.get("content-type")
  if (!isEventStream(contentType)) {
    return finish(s, new SseContentTypeError(context.url, contentType), { type: "discard", response })
  }
  const body = response.body
  if (!body) {
    // Not an empty stream (a conforming fetch gives a 200 a body, ended at once when empty: that is
    // retried as a normal end) but a fetch that cannot stream, so retrying cannot help. The `eventsource`
    // package fails the connection here too.
    return finish(
      s,
      new TypeError(
        `openEventStream: the response of ${context.url} has no body to read (response.body is ${String(body)}): ` +
          "the fetch in use cannot stream; pass options.fetch whose responses have a ReadableStream body",
      ),
    )
  }
  return {
    state: { ...s, state: "open", error: undefined, attemptAtOpen: s.attempt, unreported: false },
    commands: [STATUS, { type: "read", connection: s.connection, body }],
  }
}

/**
 * The `frame` transition on its own, for the runner's hot path (one call per frame, no event or step
 * object: `bench/stream.bench.ts` lost a third of its throughput on tiny events to those). Any frame
 * (event, comment or `retry:`) proves the connection alive: the attempt counter resets, so a healthy
 * stream never escalates; `status()` shows it at once, `onStatus` hears of it at the chunk's end. A frame
 * of a connection that is no longer current (a handler closed the stream mid-chunk) returns `s` itself:
 * it is dropped, its message not delivered.
 *
 * @example
 * ```ts
 * import { initialState, receive } from "./lifecycle.ts"
 * const closed = { ...initialState(500), state: "closed" as const }
 * receive(closed, 1, { id: "7", event: "message", data: "x" }, undefined, 0) === closed // true: dropped
 * ```
 */
export function receive(
  s: LifecycleState,
  connection: number,
  message: SseMessage | undefined,
  retryMs: number | undefined,
  at: number,
): LifecycleState {
  if (connection !== s.connection || connection === 0) return s
  // Written out field by field: JSC builds this literal faster than a spread of `s`.
  return {
    state: s.state,
    connection,
    started: s.started,
    attempt: 0,
    attemptAtOpen: s.attemptAtOpen,
    failed: s.failed,
    baseMs: retryMs === undefined ? s.baseMs : Math.max(MIN_RETRY_MS, retryMs),
    nextRetryAt: s.nextRetryAt,
    lastEventAt: at,
    lastEventId: message === undefined ? s.lastEventId : message.id,
    error: s.error,
    unreported: true,
  }
}

/**
 * The connection is lost: abort it (with `abortReason`, if any), wait `min(capMs, baseMs·2^(attempt-1))` ±
 * jitter (at least `retryAfterMs`), then try again.
 */
function retry(
  s: LifecycleState,
  error: Error,
  at: number,
  context: LifecycleContext,
  retryAfterMs = 0,
  abortReason?: Error,
): Step {
  const attempt = s.attempt + 1
  const delay = Math.max(
    backoffDelay(attempt, { ...context.backoff, baseMs: s.baseMs }, context.random),
    retryAfterMs,
  )
  return {
    state: {
      ...s,
      state: "reconnecting",
      connection: 0,
      failed: true,
      attempt,
      nextRetryAt: at + delay,
      error,
    },
    commands: [
      { type: "abort", reason: abortReason },
      STATUS,
      { type: "wait", ms: delay, until: at + delay },
    ],
  }
}

/** Closed for good, by `close()` (`error` undefined) or because retrying cannot help. */
function finish(s: LifecycleState, error: Error | undefined, first?: Command): Step {
  const state: LifecycleState = { ...s, state: "closed", connection: 0, nextRetryAt: undefined, error }
  const end: Command[] = [
    { type: "abort", reason: undefined },
    CANCEL_WAIT,
    { type: "unlisten" },
    STATUS,
    { type: "end", error },
  ]
  return { state, commands: first ? [first, ...end] : end }
}
