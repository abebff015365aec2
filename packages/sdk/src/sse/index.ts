/**
 * `@tether/sdk/sse`: a spec-exact SSE parser and a self-healing event-stream connection for any SSE URL.
 *
 * @module
 */
export {
  SseContentTypeError,
  SseError,
  SseEventTooLarge,
  SseHttpError,
  SseNetworkError,
  SseStaleError,
  SseStreamEnded,
} from "../errors.ts"
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from "../reconnect/backoff.ts"
export type { Clock } from "../reconnect/clock.ts"
export { openEventStream } from "./open.ts"
export { createParser, DEFAULT_MAX_EVENT_SIZE } from "./parse.ts"
export type {
  EventSourceParser,
  EventStreamHandle,
  OpenEventStreamOptions,
  ParserOptions,
  SseMessage,
  StreamState,
  StreamStatus,
} from "./types.ts"
