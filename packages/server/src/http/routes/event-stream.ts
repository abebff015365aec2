/**
 * `GET /global/event`: the live event stream (its wire format: docs/protocol.md).
 * Everything per event happens in `stream/connection.ts`; this handler only decodes the resume point.
 *
 * @module
 */
import type { Handler } from "../context.ts"
import { errorResponse } from "../json.ts"

/** The stream's response headers: never cached, transformed, buffered by a proxy, or compressed. */
export const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
} as const

/**
 * Opens a stream, resuming from `Last-Event-ID` (header) or `?last_event_id=` (first connect).
 * An event log that cannot be read answers 503 before any frame: a client backs off from a 5xx,
 * whereas an opened stream's first frame would reset its backoff.
 */
export const eventStream: Handler = async (request, { url, server, streams }) => {
  // HEAD asks for the headers only: opening a stream that no one will read would only be dropped later.
  if (request.method === "HEAD") return new Response(null, { headers: EVENT_STREAM_HEADERS })
  // A stream is silent between heartbeats (up to 60 s): no idle timeout may cut it.
  server.timeout(request, 0)
  const header = request.headers.get("last-event-id")
  const query = url.searchParams.get("last_event_id")
  const lastEventId =
    header !== null && header !== "" ? header : query !== null && query !== "" ? query : null
  // A client that goes away cancels the body, which frees the connection at once (no listener needed).
  const connection = streams.open(lastEventId)
  const failure = await connection.opened
  if (failure !== null) {
    return errorResponse(503, "EventLogError", `The event log cannot be read: ${failure.message}`)
  }
  return new Response(connection.stream, { headers: EVENT_STREAM_HEADERS })
}
