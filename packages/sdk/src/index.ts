/**
 * `@tether/sdk`: the client of a Tether server — typed HTTP calls and a reconnecting event subscription
 * that resumes from the last durable event. No runtime dependency; runs in browsers, Bun and Node 20+.
 * The generic SSE machinery is also exported on its own as `@tether/sdk/sse`.
 *
 * @module
 */
export {
  type CallOptions,
  createTetherClient,
  type TetherClient,
  type TetherClientOptions,
} from "./client.ts"
export {
  type ApiErrorBody,
  type ApiErrorIssue,
  SseContentTypeError,
  SseError,
  SseEventTooLarge,
  SseHttpError,
  SseNetworkError,
  SseStaleError,
  SseStreamEnded,
  TetherApiError,
  TetherNetworkError,
  TetherProtocolError,
} from "./errors.ts"
export { isEventType } from "./event-type.ts"
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./reconnect/backoff.ts"
export { openEventStream } from "./sse/open.ts"
export type {
  EventStreamHandle,
  OpenEventStreamOptions,
  SseMessage,
  StreamState,
  StreamStatus,
} from "./sse/types.ts"
export {
  decodeEnvelope,
  INITIAL_STALE_AFTER_MS,
  type StreamOptions,
  type StreamRole,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionStatus,
} from "./subscribe.ts"
export * from "./wire.ts"
