/**
 * `openEventStream`: a fetch-based, self-healing Server-Sent Events connection for any SSE URL.
 *
 * Every decision (reconnect or give up, which connection is current, what the status says) is made by
 * the pure state machine of `lifecycle.ts`; this file is its runner: it performs the commands a step
 * returns (fetch, read, abort, timers, callbacks) and reports what happened as the next events.
 *
 * @module
 */
import { SseError, type SseEventTooLarge, SseNetworkError } from "../errors.ts"
import { resolveBackoff } from "../reconnect/backoff.ts"
import { systemClock } from "../reconnect/clock.ts"
import { listenForWake } from "../reconnect/wake.ts"
import { createWatchdog } from "../reconnect/watchdog.ts"
import { createFanout } from "./fanout.ts"
import {
  type Command,
  initialState,
  type LifecycleContext,
  type LifecycleEvent,
  type LifecycleState,
  receive,
  statusOf,
  stillWanted,
  transition,
} from "./lifecycle.ts"
import { createParser, DEFAULT_MAX_EVENT_SIZE } from "./parse.ts"
import { redactError, redactUrl } from "./redact.ts"
import { checkLastEventId, resolveStreamUrl } from "./request.ts"
import { parseRetryAfter, readSnippet } from "./response.ts"
import type {
  EventSourceParser,
  EventStreamHandle,
  OpenEventStreamOptions,
  SseMessage,
  StreamStatus,
} from "./types.ts"

// Kept importable from here, where they began.
export { MIN_RETRY_MS } from "./lifecycle.ts"
export { redactUrl } from "./redact.ts"
export { isEventStream, parseRetryAfter } from "./response.ts"

/**
 * Opens a Server-Sent Events stream that reconnects by itself, and keeps doing so until closed.
 *
 * - Checks `url` at once, as `new EventSource` does: `TypeError` when it is not a string or a `URL` or not
 *   `http:`/`https:`, `SyntaxError` when it is not a URL (a relative one resolves against the page in a browser).
 * - Sends `Accept: text/event-stream` and, once known, `Last-Event-ID` (UTF-8 encoded, as the HTML standard
 *   says), with `cache: "no-store"`; a custom `fetch` receives `init.headers` as a plain object.
 * - Reconnects on network errors, 5xx, 408, 429 (honouring `Retry-After`), a normal end of the response,
 *   a stale connection (`staleAfterMs`) and an event over `maxEventSize`, after
 *   `min(capMs, baseMs·2^(attempt-1))` × a uniform factor in `[1-jitter, 1+jitter]`. The attempt counter
 *   resets on every frame received, so a healthy stream never escalates. A server's `retry:` sets `baseMs`.
 * - Ends in `closed` with a typed error on 204 (`SseHttpError`), any other 4xx or unexpected status
 *   (`SseHttpError`), a response that is not `text/event-stream` (`SseContentTypeError`) and a response
 *   without a body (`TypeError`: the `fetch` in use cannot stream). An empty body is a normal end.
 * - In a browser, `online` and the page becoming visible retry at once instead of waiting.
 *
 * Options and their defaults: {@link OpenEventStreamOptions}.
 *
 * @example
 * ```ts
 * import { openEventStream } from "@tether/sdk/sse"
 *
 * const stream = openEventStream("http://127.0.0.1:4096/global/event", {
 *   onMessage: (message) => console.log(message.id, message.event, message.data),
 *   onStatus: (status) => console.log(status.state, status.attempt),
 *   staleAfterMs: 25_000,
 * })
 * // later
 * stream.close()
 * ```
 */
export function openEventStream(url: string | URL, options: OpenEventStreamOptions = {}): EventStreamHandle {
  const href = resolveStreamUrl(url).href
  // What errors (and so logs and UIs) show: the URL without the credentials it may carry.
  const shown = redactUrl(href)
  const clock = options.clock ?? systemClock
  const maybeFetch: typeof fetch | undefined = options.fetch ?? globalThis.fetch?.bind(globalThis)
  if (typeof maybeFetch !== "function") {
    throw new TypeError("openEventStream: no global fetch in this runtime; pass options.fetch")
  }
  const fetchImpl = maybeFetch
  const backoff = resolveBackoff(options.backoff)
  const maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE
  if (typeof maxEventSize !== "number" || !(maxEventSize > 0)) {
    throw new RangeError(`maxEventSize must be a positive number of characters, got ${String(maxEventSize)}`)
  }
  const highWaterMark = options.highWaterMark ?? 1024
  if (!(highWaterMark >= 1)) throw new RangeError(`highWaterMark must be ≥ 1, got ${highWaterMark}`)
  if (options.lastEventId !== undefined) checkLastEventId(options.lastEventId, "openEventStream: lastEventId")
  const fanout = createFanout<SseMessage>(highWaterMark)
  const context: LifecycleContext = { url: shown, backoff, random: options.random ?? Math.random }

  let state: LifecycleState = initialState(backoff.baseMs, options.lastEventId)
  // The connection being made or read, and the controller that ends it: aborted when the machine retires it.
  let live: { readonly connection: number; readonly controller: AbortController } | undefined
  let waiting: unknown
  // The parser of the latest connection, so `setLastEventId` reaches the id buffer it dispatches from.
  let parser: EventSourceParser | undefined
  let snapshot: StreamStatus = statusOf(state)
  let snapshotOf = state

  const status = (): StreamStatus => {
    if (snapshotOf !== state) {
      snapshot = statusOf(state)
      snapshotOf = state
    }
    return snapshot
  }

  const watchdog = createWatchdog({
    clock,
    timeoutMs: options.staleAfterMs,
    onStale: () => dispatch({ type: "stale", limitMs: watchdog.timeoutMs() ?? 0, at: clock.now() }),
  })

  /** Runs one step. Callbacks (`onStatus`, `onMessage`) may dispatch in turn; their steps run at once, inside this one. */
  function dispatch(event: LifecycleEvent): void {
    const step = transition(state, event, context)
    state = step.state
    const commands = step.commands
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i] as Command
      if (stillWanted(command, state)) perform(command, event)
    }
  }

  function deliver(message: SseMessage): void {
    if (options.onMessage) call(options.onMessage, message)
    fanout.push(message)
  }

  function perform(command: Command, event: LifecycleEvent): void {
    switch (command.type) {
      case "status":
        if (options.onStatus) call(options.onStatus, status())
        return
      case "deliver":
        if (event.type === "frame" && event.message !== undefined) deliver(event.message)
        return
      case "connect":
        connect(command.connection)
        return
      case "fetch":
        request(command.connection, command.headers)
        return
      case "read-refusal": {
        const { connection, response } = command
        readSnippet(response)
          .then((body) =>
            dispatch({
              type: "refused",
              connection,
              status: response.status,
              statusText: response.statusText,
              body,
              retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), clock.now()),
              at: clock.now(),
            }),
          )
          .catch(unforeseen(connection))
        return
      }
      case "read":
        read(command.connection, command.body).catch(unforeseen(command.connection))
        return
      case "discard":
        void command.response.body?.cancel().catch(() => {})
        return
      case "abort":
        live?.controller.abort(command.reason)
        live = undefined
        watchdog.stop()
        return
      case "wait":
        waiting = clock.setTimeout(() => {
          waiting = undefined
          dispatch({ type: "timer" })
        }, command.ms)
        return
      case "cancel-wait":
        if (waiting !== undefined) clock.clearTimeout(waiting)
        waiting = undefined
        return
      case "set-parser-id":
        parser?.setLastEventId(command.id)
        return
      case "unlisten":
        stopWake()
        options.signal?.removeEventListener("abort", onAbort)
        return
      case "end":
        fanout.end(command.error)
        return
    }
  }

  /** A failure nobody foresaw ends the stream with its error: better than an unhandled rejection and a
   * status stuck at "open" while nothing flows. */
  const unforeseen = (connection: number) => (error: unknown) =>
    dispatch({ type: "error", connection, error: asError(error), retry: false, at: clock.now() })

  /** An attempt failed in a way worth retrying: a network error, or (`network: false`) a `headers` function's rejection. */
  const failed = (connection: number, network: boolean) => (error: unknown) =>
    dispatch({ type: "error", connection, error: attemptError(error, network), retry: true, at: clock.now() })

  /** The controller of connection `connection`: the commands that need one come only while it is current. */
  const controllerOf = (connection: number): AbortController => {
    if (live?.connection !== connection)
      throw new Error(`openEventStream: connection ${connection} is not current`)
    return live.controller
  }

  function connect(connection: number): void {
    const controller = new AbortController()
    live = { connection, controller }
    // Bounds the whole attempt up to the first bytes: a headers() function (a token refresh) that never
    // settles, and a server that accepts and never answers, are stale too.
    watchdog.start()
    const { headers } = options
    if (typeof headers !== "function") {
      dispatch({ type: "headers", connection, headers })
      return
    }
    // A token service that is down is retried like the server itself (the error shows in the status).
    let pending: Promise<HeadersInit>
    try {
      pending = untilAborted(headers(), controller.signal)
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending
      .then((extra) => dispatch({ type: "headers", connection, headers: extra }), failed(connection, false))
      .catch(unforeseen(connection))
  }

  function request(connection: number, headers: Record<string, string>): void {
    const controller = controllerOf(connection)
    let pending: Promise<Response>
    try {
      pending = Promise.resolve(
        fetchImpl(href, {
          method: "GET",
          headers,
          signal: controller.signal,
          redirect: "follow",
          // As EventSource asks (the HTML standard): an HTTP cache must neither answer nor store a live stream.
          cache: "no-store",
        }),
      )
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending
      .then((response) => dispatch({ type: "response", connection, response }), failed(connection, true))
      .catch(unforeseen(connection))
  }

  async function read(connection: number, body: ReadableStream<Uint8Array>): Promise<void> {
    const { signal } = controllerOf(connection)
    const reader = body.getReader()
    // ignoreBOM keeps a leading BOM in the text so the parser strips exactly one, as the spec says.
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
    let tooLarge: SseEventTooLarge | undefined
    // Frames take the machine's `receive` directly: the `frame` step without its event and step objects.
    const frame = (message: SseMessage | undefined, retryMs: number | undefined) => {
      const next = receive(state, connection, message, retryMs, clock.now())
      if (next === state) return
      state = next
      if (message !== undefined) deliver(message)
    }
    const current = createParser({
      lastEventId: state.lastEventId,
      maxEventSize,
      onMessage: (message) => frame(message, undefined),
      onRetry: (ms) => frame(undefined, ms),
      onComment: () => frame(undefined, undefined),
      onError: (error) => {
        tooLarge = error
      },
    })
    parser = current
    try {
      for (;;) {
        const { done, value } = await reader.read()
        // Retired meanwhile (closed, replaced, stale): the machine's `abort` aborted this connection's signal.
        if (signal.aborted) break
        if (done) {
          current.feed(decoder.decode())
          current.end()
          dispatch({ type: "end", connection, at: clock.now() })
          return
        }
        watchdog.kick()
        current.feed(decoder.decode(value, { stream: true }))
        dispatch({ type: "chunk", connection, lastEventId: current.lastEventId(), tooLarge, at: clock.now() })
        // Or by this chunk: a handler closed the stream, or an event was too large.
        if (signal.aborted) break
        const drained = fanout.whenDrained()
        if (drained) {
          // A slow iterator: stop reading (TCP pushes back on the server) and stop the watchdog meanwhile.
          watchdog.stop()
          await drained
          if (signal.aborted) break
          watchdog.start()
        }
      }
      void reader.cancel().catch(() => {})
    } catch (error) {
      failed(connection, true)(error)
    }
  }

  /** Why an attempt failed: an SSE error, or else a network error (`network: false`: the error as is). */
  function attemptError(error: unknown, network: boolean): Error {
    if (error instanceof SseError) return error
    if (!network) return asError(error)
    // The cause is a redacted copy: Bun's fetch error keeps the URL, password and all, as `path`.
    return new SseNetworkError(shown, redactError(error, href))
  }

  const stopWake = listenForWake(() => dispatch({ type: "wake" }))
  const onAbort = () => dispatch({ type: "close" })
  if (options.signal?.aborted) {
    // Closed before it began: no callback hears of it, nothing is left listening.
    stopWake()
    state = { ...state, state: "closed" }
    fanout.end()
  } else {
    options.signal?.addEventListener("abort", onAbort, { once: true })
    // Deferred so that callbacks may refer to the returned handle.
    queueMicrotask(() => dispatch({ type: "timer" }))
  }

  return {
    close: () => dispatch({ type: "close" }),
    status,
    setStaleAfterMs: (ms) => watchdog.setTimeoutMs(ms),
    setLastEventId(id) {
      checkLastEventId(id, "setLastEventId")
      dispatch({ type: "last-event-id", id })
    },
    [Symbol.asyncIterator]: () => fanout.iterator(),
  }
}

/** `promise`, or a rejection with the signal's reason once it aborts (the promise itself cannot be cancelled). */
function untilAborted<T>(promise: T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener("abort", onAbort, { once: true })
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener("abort", onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort)
        reject(error)
      },
    )
  })
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))

/** Runs a user callback; its exception is reported, not allowed to break the stream. */
function call<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value)
  } catch (error) {
    const scope = globalThis as { reportError?: (error: unknown) => void; window?: unknown }
    if (scope.window !== undefined && typeof scope.reportError === "function") scope.reportError(error)
    else console.error("@tether/sdk: a stream callback threw:", error)
  }
}
