/**
 * `openEventStream`: a fetch-based, self-healing Server-Sent Events connection for any SSE URL.
 *
 * @module
 */
import {
  SseContentTypeError,
  SseError,
  type SseEventTooLarge,
  SseHttpError,
  SseNetworkError,
  SseStaleError,
  SseStreamEnded,
} from "../errors.ts"
import { backoffDelay, resolveBackoff } from "../reconnect/backoff.ts"
import { systemClock } from "../reconnect/clock.ts"
import { listenForWake } from "../reconnect/wake.ts"
import { createWatchdog } from "../reconnect/watchdog.ts"
import { createFanout } from "./fanout.ts"
import { createParser, DEFAULT_MAX_EVENT_SIZE } from "./parse.ts"
import { redactError, redactUrl } from "./redact.ts"
import { checkLastEventId, resolveStreamUrl, streamRequestHeaders } from "./request.ts"
import type {
  EventSourceParser,
  EventStreamHandle,
  OpenEventStreamOptions,
  SseMessage,
  StreamState,
  StreamStatus,
} from "./types.ts"

// Kept importable from here, where it began.
export { redactUrl } from "./redact.ts"

/** A server's `retry:` below this is raised to it: `retry: 0` plus a server that closes at once would be a busy loop. */
export const MIN_RETRY_MS = 100
/** A `Retry-After` header is honoured up to this many ms. */
const MAX_RETRY_AFTER_MS = 300_000
/** How long a refused response may take to show the first bytes of its body for the error message. */
const ERROR_BODY_WAIT_MS = 1000
const ERROR_BODY_CHARS = 512

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
  const random = options.random ?? Math.random
  const maybeFetch: typeof fetch | undefined = options.fetch ?? globalThis.fetch?.bind(globalThis)
  if (typeof maybeFetch !== "function") {
    throw new TypeError("openEventStream: no global fetch in this runtime; pass options.fetch")
  }
  const fetchImpl = maybeFetch
  const backoff = resolveBackoff(options.backoff)
  let baseMs = backoff.baseMs
  const maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE
  if (typeof maxEventSize !== "number" || !(maxEventSize > 0)) {
    throw new RangeError(`maxEventSize must be a positive number of characters, got ${String(maxEventSize)}`)
  }
  const highWaterMark = options.highWaterMark ?? 1024
  if (!(highWaterMark >= 1)) throw new RangeError(`highWaterMark must be ≥ 1, got ${highWaterMark}`)
  const fanout = createFanout<SseMessage>(highWaterMark)

  let state: StreamState = "connecting"
  let closed = false
  let hasFailed = false
  let attempt = 0
  let nextRetryAt: number | undefined
  let lastEventAt: number | undefined
  if (options.lastEventId !== undefined) checkLastEventId(options.lastEventId, "openEventStream: lastEventId")
  let lastEventId = options.lastEventId ?? ""
  let lastError: Error | undefined
  let current: AbortController | undefined
  let retryTimer: unknown
  let retryAfterMs = 0
  let snapshot: StreamStatus | undefined
  // The parser of the connection being read, so `setLastEventId` reaches the id buffer it dispatches from.
  let activeParser: EventSourceParser | undefined

  const watchdog = createWatchdog({
    clock,
    timeoutMs: options.staleAfterMs,
    onStale: () => current?.abort(new SseStaleError(watchdog.timeoutMs() ?? 0)),
  })

  const status = (): StreamStatus => {
    if (snapshot) return snapshot
    const next: {
      state: StreamState
      attempt: number
      nextRetryAt?: number
      lastEventAt?: number
      lastEventId?: string
      error?: Error
    } = { state, attempt }
    if (nextRetryAt !== undefined) next.nextRetryAt = nextRetryAt
    if (lastEventAt !== undefined) next.lastEventAt = lastEventAt
    if (lastEventId !== "") next.lastEventId = lastEventId
    if (lastError !== undefined) next.error = lastError
    snapshot = next
    return next
  }
  const changed = () => {
    snapshot = undefined
    if (options.onStatus) call(options.onStatus, status())
  }

  const stopWake = listenForWake(() => {
    // Only a waiting reconnect is hurried; an open stream is checked by the watchdog.
    if (closed || retryTimer === undefined) return
    clock.clearTimeout(retryTimer)
    retryTimer = undefined
    startAttempt()
  })
  const onAbort = () => close()
  options.signal?.addEventListener("abort", onAbort, { once: true })

  const teardown = () => {
    closed = true
    current?.abort()
    current = undefined
    watchdog.stop()
    if (retryTimer !== undefined) clock.clearTimeout(retryTimer)
    retryTimer = undefined
    nextRetryAt = undefined
    stopWake()
    options.signal?.removeEventListener("abort", onAbort)
    state = "closed"
  }

  function close(): void {
    if (closed) return
    teardown()
    lastError = undefined
    changed()
    fanout.end()
  }

  /** Ends the stream for good because retrying cannot help. */
  function fail(error: Error): void {
    if (closed) return
    teardown()
    lastError = error
    changed()
    fanout.end(error)
  }

  function retry(error: Error): void {
    if (closed) return
    current?.abort()
    current = undefined
    watchdog.stop()
    hasFailed = true
    attempt += 1
    const delay = Math.max(backoffDelay(attempt, { ...backoff, baseMs }, random), retryAfterMs)
    retryAfterMs = 0
    state = "reconnecting"
    nextRetryAt = clock.now() + delay
    lastError = error
    changed()
    // onStatus may have called close(): then no timer may outlive the stream.
    if (closed) return
    retryTimer = clock.setTimeout(() => {
      retryTimer = undefined
      startAttempt()
    }, delay)
  }

  /** One connection attempt. A failure nobody foresaw ends the stream with its error: better than an
   * unhandled rejection and a status stuck at "open" while nothing flows. */
  function startAttempt(): void {
    const running = connect()
    // connect() makes its controller current before its first await.
    const mine = current
    running.catch((error: unknown) => {
      if (current === mine) fail(error instanceof Error ? error : new Error(String(error)))
    })
  }

  async function connect(): Promise<void> {
    if (closed) return
    const controller = new AbortController()
    current = controller
    const isCurrent = () => !closed && current === controller
    state = hasFailed ? "reconnecting" : "connecting"
    nextRetryAt = undefined
    changed()
    // onStatus may have called close(): the watchdog armed below would then outlive the stream.
    if (!isCurrent()) return

    // Bounds the whole attempt up to the first bytes: a headers() function (a token refresh) that never
    // settles, and a server that accepts and never answers, are stale too.
    watchdog.start()
    let extra: HeadersInit | undefined
    if (typeof options.headers === "function") {
      try {
        extra = await untilAborted(options.headers(), controller.signal)
      } catch (error) {
        // A token service that is down is retried like the server itself (the error shows in the status).
        if (isCurrent()) retry(connectionError(controller, error, false))
        return
      }
      if (!isCurrent()) return
    } else extra = options.headers
    let headers: Record<string, string>
    try {
      headers = streamRequestHeaders(extra, lastEventId)
    } catch (error) {
      // Invalid header names or values are a programming error: retrying would only repeat it.
      fail(error instanceof Error ? error : new TypeError(String(error)))
      return
    }

    let response: Response
    try {
      response = await fetchImpl(href, {
        method: "GET",
        headers,
        signal: controller.signal,
        redirect: "follow",
        // As EventSource asks (the HTML standard): an HTTP cache must neither answer nor store a live stream.
        cache: "no-store",
      })
    } catch (error) {
      if (isCurrent()) retry(connectionError(controller, error))
      return
    }
    if (!isCurrent()) {
      void response.body?.cancel().catch(() => {})
      return
    }

    if (response.status !== 200) {
      const retryable = response.status >= 500 || response.status === 408 || response.status === 429
      const body = await readSnippet(response)
      if (!isCurrent()) return
      const error = new SseHttpError(shown, response.status, response.statusText, body)
      if (retryable) {
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), clock.now())
        retry(error)
      } else fail(error)
      return
    }
    const contentType = response.headers.get("content-type")
    if (!isEventStream(contentType)) {
      void response.body?.cancel().catch(() => {})
      fail(new SseContentTypeError(shown, contentType))
      return
    }

    const body = response.body
    if (!body) {
      // Not an empty stream (a conforming fetch gives a 200 a body, ended at once when empty: that is
      // retried as a normal end) but a fetch that cannot stream, so retrying cannot help. The `eventsource`
      // package fails the connection here too.
      fail(
        new TypeError(
          `openEventStream: the response of ${shown} has no body to read (response.body is ${String(body)}): ` +
            "the fetch in use cannot stream; pass options.fetch whose responses have a ReadableStream body",
        ),
      )
      return
    }
    state = "open"
    lastError = undefined
    changed()
    await read(controller, body, isCurrent)
  }

  async function read(
    controller: AbortController,
    body: ReadableStream<Uint8Array>,
    isCurrent: () => boolean,
  ): Promise<void> {
    const reader = body.getReader()
    // ignoreBOM keeps a leading BOM in the text so the parser strips exactly one, as the spec says.
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
    const attemptAtOpen = attempt
    let tooLarge: SseEventTooLarge | undefined
    let dirty = false
    const frame = () => {
      lastEventAt = clock.now()
      attempt = 0
      dirty = true
      // onStatus hears of it once per chunk, but status() read meanwhile (in onMessage) must not be stale.
      snapshot = undefined
    }
    const parser = createParser({
      lastEventId,
      maxEventSize,
      onMessage: (message) => {
        // A handler may close (or an error replace) the stream mid-chunk: drop the rest of the chunk.
        if (!isCurrent()) return
        lastEventId = message.id
        frame()
        if (options.onMessage) call(options.onMessage, message)
        fanout.push(message)
      },
      onRetry: (ms) => {
        baseMs = Math.max(MIN_RETRY_MS, ms)
        frame()
      },
      onComment: frame,
      onError: (error) => {
        tooLarge = error
      },
    })
    activeParser = parser
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (!isCurrent()) {
          void reader.cancel().catch(() => {})
          return
        }
        if (done) break
        watchdog.kick()
        parser.feed(decoder.decode(value, { stream: true }))
        if (!isCurrent()) return
        if (tooLarge) {
          // Reconnecting would likely replay the same event: do not let its frames reset the backoff.
          attempt = attemptAtOpen
          retry(tooLarge)
          return
        }
        if (parser.lastEventId() !== lastEventId) {
          lastEventId = parser.lastEventId()
          dirty = true
        }
        if (dirty) {
          dirty = false
          changed()
        }
        const drained = fanout.whenDrained()
        if (drained) {
          // A slow iterator: stop reading (TCP pushes back on the server) and stop the watchdog meanwhile.
          watchdog.stop()
          await drained
          if (!isCurrent()) return
          watchdog.start()
        }
      }
    } catch (error) {
      if (isCurrent()) retry(connectionError(controller, error))
      return
    }
    parser.feed(decoder.decode())
    parser.end()
    retry(new SseStreamEnded(shown))
  }

  /** Why an attempt failed: the watchdog's reason, an SSE error, or else a network error (`network: false`: the error as is). */
  function connectionError(controller: AbortController, error: unknown, network = true): Error {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined
    if (reason instanceof SseError) return reason
    if (error instanceof SseError) return error
    if (!network) return error instanceof Error ? error : new Error(String(error))
    // The cause is a redacted copy: Bun's fetch error keeps the URL, password and all, as `path`.
    return new SseNetworkError(shown, redactError(error, href))
  }

  if (options.signal?.aborted) {
    teardown()
    snapshot = undefined
    fanout.end()
  } else {
    // Deferred so that callbacks may refer to the returned handle.
    queueMicrotask(startAttempt)
  }

  return {
    close,
    status,
    setStaleAfterMs: (ms) => watchdog.setTimeoutMs(ms),
    setLastEventId(id) {
      checkLastEventId(id, "setLastEventId")
      if (id === lastEventId) return
      lastEventId = id
      activeParser?.setLastEventId(id)
      changed()
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

/** Whether a Content-Type's essence is `text/event-stream` (parameters and case ignored). */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false
  const semicolon = contentType.indexOf(";")
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return essence === "text/event-stream"
}

/** `Retry-After` as a delay in ms from `now` (delta-seconds or an HTTP date); 0 when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number {
  if (value === null) return 0
  const trimmed = value.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0
}

/** The first characters of a refused response's body, for the error message; never waits long. */
async function readSnippet(response: Response): Promise<string> {
  const body = response.body
  if (!body) return ""
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ""
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ERROR_BODY_WAIT_MS)
  })
  try {
    while (text.length < ERROR_BODY_CHARS) {
      const result = await Promise.race([reader.read(), deadline])
      if (result === "timeout" || result.done) break
      text += decoder.decode(result.value, { stream: true })
    }
  } catch {
    // The body is only decoration for the error message.
  } finally {
    clearTimeout(timer)
    void reader.cancel().catch(() => {})
  }
  return text.trim().slice(0, ERROR_BODY_CHARS)
}

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
