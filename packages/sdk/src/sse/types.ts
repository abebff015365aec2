/**
 * Types of the SSE parser and of `openEventStream`.
 *
 * @module
 */
import type { SseEventTooLarge } from "../errors.ts"
import type { BackoffOptions } from "../reconnect/backoff.ts"
import type { Clock } from "../reconnect/clock.ts"

/**
 * One dispatched event, as a browser's `MessageEvent` would give it.
 */
export interface SseMessage {
  /** The stream's last event ID at dispatch (`MessageEvent.lastEventId`): kept across events until an `id:` line changes it; `""` when none was ever set. */
  readonly id: string
  /** The event type: the `event:` field, or `"message"` when it was absent or empty. */
  readonly event: string
  /** The `data:` lines joined with `\n`. */
  readonly data: string
}

/** Options of {@link createParser}. */
export interface ParserOptions {
  /** Called for every dispatched event. */
  onMessage: (message: SseMessage) => void
  /** Called with the reconnection time of a valid `retry:` field (ASCII digits only), in ms. */
  onRetry?: (ms: number) => void
  /** Called with each comment line's text (after the `:` and one optional space). */
  onComment?: (comment: string) => void
  /**
   * Called once when one event outgrows `maxEventSize`; the parser then stops (every later `feed` throws
   * until `reset()`). Without it the error is thrown from `feed`.
   */
  onError?: (error: SseEventTooLarge) => void
  /**
   * Upper bound, in characters (UTF-16 code units), of one event: its data, its type and the line being read.
   * Default 8 MiB worth of characters (8 388 608). `Infinity` turns the bound off.
   */
  maxEventSize?: number
  /**
   * Initial value of the last event ID buffer, e.g. the id a reconnecting client sent as `Last-Event-ID`,
   * so events without an `id:` line on the new connection still report it (as Chromium's EventSource does).
   * Default `""`.
   */
  lastEventId?: string
}

/** A streaming SSE parser: feed it decoded text in chunks of any size. */
export interface EventSourceParser {
  /** Parses the next chunk of decoded text; chunk boundaries may fall anywhere, even inside a CRLF. */
  feed(chunk: string): void
  /**
   * The stream ended: an incomplete line and an event without its final blank line are discarded, as the
   * spec says. The last event ID survives; the parser is then ready for a new stream (a leading BOM is stripped again).
   */
  end(): void
  /** Forgets everything, including the last event ID (set it anew with `lastEventId`), and clears a `maxEventSize` stop. */
  reset(options?: { lastEventId?: string }): void
  /** The stream's last event ID string: set at each blank line from the last `id:` field, as `Last-Event-ID` sends it. */
  lastEventId(): string
  /**
   * Replaces the last event ID string (what `lastEventId()` returns) at once, and the id of later events
   * until an `id:` line changes it, without touching anything else: for a client that learns a better
   * resume point mid-stream. An event already partly read whose own `id:` line came keeps that id, and
   * that id becomes the last event ID again at its blank line (as the spec sets it).
   */
  setLastEventId(id: string): void
}

/** The connection state of an event stream. */
export type StreamState = "connecting" | "open" | "reconnecting" | "closed"

/**
 * Where a stream stands. A new object on every change.
 *
 * - `connecting`: the first request is in flight.
 * - `open`: the server answered 200 `text/event-stream`; events flow.
 * - `reconnecting`: the connection was lost; `nextRetryAt` is set while waiting, absent while the new request is in flight.
 * - `closed`: final. `error` says why when it was not `close()` or the abort signal.
 */
export interface StreamStatus {
  readonly state: StreamState
  /** Failed connection attempts since the last frame received (0 while healthy). */
  readonly attempt: number
  /** When the next attempt starts (ms since the epoch), while waiting to reconnect. */
  readonly nextRetryAt?: number
  /** When the last frame (event, comment or retry) arrived (ms since the epoch). */
  readonly lastEventAt?: number
  /** The last event ID that will be sent as `Last-Event-ID`, once there is one. */
  readonly lastEventId?: string
  /** Why the last connection ended, or why the stream closed. Cleared when a connection opens. */
  readonly error?: Error
}

/** Options of `openEventStream`. */
export interface OpenEventStreamOptions {
  /**
   * Called for every event, in order. Also available as the handle's async iterator. The events of one network
   * chunk are delivered back to back in one task (a browser's EventSource gives each its own task): a handler
   * that needs the page to render between events queues them and works in its own tasks (see the README).
   */
  onMessage?: (message: SseMessage) => void
  /** Called with the new status on every change (state, attempt, retry time, last event time and id, error). */
  onStatus?: (status: StreamStatus) => void
  /**
   * Extra request headers, or a function called before every attempt (to refresh a token). A function that
   * rejects is retried with backoff like a network error, and one that does not settle is bounded by
   * `staleAfterMs`; invalid header names or values end the stream in `closed` with a `TypeError`.
   */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>)
  /**
   * The `fetch` to use. Default `globalThis.fetch`. It receives `init.headers` as a plain object (names of
   * `headers` lower-cased, `Accept` and `Last-Event-ID` as spelled here), so a wrapper may spread it:
   * `fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, "X-Trace": id } })`.
   * Its responses need a `ReadableStream` body: one without (`body` null) closes the stream with a `TypeError`.
   */
  fetch?: typeof fetch
  /** Aborting it closes the stream, like `close()`. */
  signal?: AbortSignal
  /**
   * Sent as `Last-Event-ID` on the first request, to resume after that event. Any string without NUL, CR or
   * LF (else `TypeError` at once); sent UTF-8 encoded, as every id is.
   */
  lastEventId?: string
  /** Reconnect delays; see `backoffDelay`. Default `{ baseMs: 500, capMs: 30000, jitter: 0.25 }`; a server's `retry:` replaces `baseMs`. */
  backoff?: Partial<BackoffOptions>
  /**
   * Drop the connection and reconnect when no byte arrived for this long (also bounds the wait for the
   * response headers). Default: off. Change it later with the handle's `setStaleAfterMs`.
   */
  staleAfterMs?: number
  /** Upper bound of one event, in characters; past it the connection is dropped and retried. Default 8 Mi characters. */
  maxEventSize?: number
  /** Messages an async iterator may hold before reading from the network pauses. Default 1024. */
  highWaterMark?: number
  /** Time source and timers (tests pass a fake one). Default the system clock. */
  clock?: Clock
  /** Uniform random source in `[0, 1)` for the jitter. Default `Math.random`. */
  random?: () => number
}

/** What `openEventStream` returns. */
export interface EventStreamHandle extends AsyncIterable<SseMessage> {
  /** Closes the stream for good: aborts the request, cancels a pending reconnect, ends iterators. Idempotent. */
  close(): void
  /** The current status. */
  status(): StreamStatus
  /** Changes the stale watchdog's limit (`undefined` turns it off), applied to the open connection at once. */
  setStaleAfterMs(ms: number | undefined): void
  /**
   * Replaces the id sent as `Last-Event-ID` on the next connection (also the `id` of later messages until an
   * `id:` line changes it), e.g. after the application resynchronised its state up to a known event. An
   * event whose `id:` line was already read (its blank line not yet) keeps its id and, once dispatched,
   * makes it the resume point again.
   * It is sent UTF-8 encoded, as the HTML standard says; an id containing NUL or a line break is refused
   * (`TypeError`): no header can carry it.
   */
  setLastEventId(id: string): void
  /** Iterates over messages from now on; it ends when the stream is closed and throws the error that closed it, if any. */
  [Symbol.asyncIterator](): AsyncIterator<SseMessage>
}
