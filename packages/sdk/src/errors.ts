/**
 * Every error the SDK throws or reports, in one place so `instanceof` checks have one import.
 *
 * Stream errors (`Sse*`) end up in a stream's status `error`; the terminal ones (`SseHttpError`,
 * `SseContentTypeError`) also close the stream. `TetherApiError` and `TetherNetworkError` are thrown by
 * the typed HTTP calls of `createTetherClient`.
 *
 * @module
 */

/** Base class of the event-stream errors, so one `instanceof SseError` catches them all. */
export class SseError extends Error {
  override name = "SseError"
}

/**
 * The server answered the event-stream request with a status other than 200.
 * 204 (the server asks the client to stop), 401, 403, 404 and other 4xx close the stream;
 * 5xx, 408 and 429 are retried.
 */
export class SseHttpError extends SseError {
  override name = "SseHttpError"
  /** The HTTP status, e.g. `401`. */
  readonly status: number
  /** The first bytes of the response body, when there was one (servers often explain the refusal there). */
  readonly body: string

  constructor(url: string, status: number, statusText: string, body = "") {
    const explain =
      status === 204
        ? " (No Content: the server asks the client to stop reconnecting)"
        : statusText
          ? ` ${statusText}`
          : ""
    super(`GET ${url} answered HTTP ${status}${explain}${body ? `: ${body}` : ""}`)
    this.status = status
    this.body = body
  }
}

/** The response was not `text/event-stream`, so it is not an event stream (a proxy's login page, an API error…). */
export class SseContentTypeError extends SseError {
  override name = "SseContentTypeError"
  /** The `Content-Type` the server sent, or `null` when it sent none. */
  readonly contentType: string | null

  constructor(url: string, contentType: string | null) {
    super(
      `GET ${url} answered with Content-Type ${contentType === null ? "(none)" : JSON.stringify(contentType)}, expected "text/event-stream"`,
    )
    this.contentType = contentType
  }
}

/** One event grew past `maxEventSize`: the parser stopped instead of buffering without bound. */
export class SseEventTooLarge extends SseError {
  override name = "SseEventTooLarge"
  /** The configured limit, in characters (UTF-16 code units). */
  readonly limit: number
  /** The size reached when the parser stopped, in characters. */
  readonly size: number

  constructor(limit: number, size: number) {
    super(
      `An event reached ${size} characters, over the limit of ${limit} (maxEventSize); the connection was dropped`,
    )
    this.limit = limit
    this.size = size
  }
}

/** No byte arrived for `staleAfterMs`: the connection is presumed dead (sleeping laptop, dead NAT entry, hung server). */
export class SseStaleError extends SseError {
  override name = "SseStaleError"
  readonly staleAfterMs: number

  constructor(staleAfterMs: number) {
    super(`No data for ${staleAfterMs} ms (staleAfterMs): the connection is presumed dead and was dropped`)
    this.staleAfterMs = staleAfterMs
  }
}

/** The request failed before or while reading (refused connection, reset socket, DNS…); `cause` holds the original. */
export class SseNetworkError extends SseError {
  override name = "SseNetworkError"

  constructor(url: string, cause: unknown) {
    super(`GET ${url} failed: ${describe(cause)}`, { cause })
  }
}

/** The server ended the response normally; the stream reconnects. */
export class SseStreamEnded extends SseError {
  override name = "SseStreamEnded"

  constructor(url: string) {
    super(`GET ${url}: the server ended the event stream`)
  }
}

/** One issue of a validation error, e.g. `{ path: "server.event_stream.heartbeat_ms", message: "…" }`. */
export interface ApiErrorIssue {
  readonly path: string
  readonly message: string
}

/** The `error` object of a Tether error response body `{"error": {...}}`. */
export interface ApiErrorBody {
  /** The server's error name, e.g. `"ConfigInvalid"`. */
  readonly name: string
  readonly message: string
  readonly issues?: readonly ApiErrorIssue[]
}

/**
 * The Tether server answered a call with an error status. `error` is the server's `{name, message, issues?}`;
 * a response that was not a Tether error body (a proxy's HTML page) gets the name `"HttpError"`.
 *
 * @example
 * ```ts
 * import { createTetherClient, TetherApiError } from "@tether/sdk"
 *
 * const client = createTetherClient({ baseUrl: "http://127.0.0.1:4096" })
 * try {
 *   await client.global.config.update({ server: { event_stream: { heartbeat_ms: 5 } } })
 * } catch (error) {
 *   if (error instanceof TetherApiError && error.error.name === "ConfigInvalid") console.log(error.issues)
 * }
 * ```
 */
export class TetherApiError extends Error {
  override name = "TetherApiError"
  /** The HTTP status, e.g. `400`. */
  readonly status: number
  /** The server's error, as sent. */
  readonly error: ApiErrorBody
  /** The method and URL that failed, e.g. `PATCH http://127.0.0.1:4096/global/config`. */
  readonly request: string

  constructor(request: string, status: number, error: ApiErrorBody) {
    super(`${request} answered ${status} ${error.name}: ${error.message}`)
    this.status = status
    this.error = error
    this.request = request
  }

  /** The validation issues (`ConfigInvalid`), or an empty list. */
  get issues(): readonly ApiErrorIssue[] {
    return this.error.issues ?? []
  }
}

/** A call could not reach the server (refused, reset, DNS) or its answer was not JSON; `cause` holds the original. */
export class TetherNetworkError extends Error {
  override name = "TetherNetworkError"
  readonly request: string

  constructor(request: string, cause: unknown) {
    super(`${request} failed: ${describe(cause)}`, { cause })
    this.request = request
  }
}

const describe = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : ""
    return `${cause.message}${inner}`
  }
  return String(cause)
}

/**
 * A frame of the Tether event stream whose data is not an event envelope `{id, type, properties, time}`.
 * The frame is skipped (the stream goes on) and reported to `onError`.
 */
export class TetherProtocolError extends Error {
  override name = "TetherProtocolError"
  /** The first characters of the offending `data`. */
  readonly data: string

  constructor(reason: string, data: string) {
    const snippet = data.length > 200 ? `${data.slice(0, 200)}…` : data
    super(`An event-stream frame is not a Tether event envelope (${reason}): ${snippet}`)
    this.data = snippet
  }
}
