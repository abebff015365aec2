/**
 * `global.event.subscribe` and `global.event.stream`: Tether's event stream on top of `openEventStream`,
 * decoding envelopes, tracking the last durable id and tuning the stale watchdog to the server's heartbeat.
 *
 * @module
 */
import { TetherProtocolError } from "./errors.ts"
import type { HttpConfig } from "./http.ts"
import type { BackoffOptions } from "./reconnect/backoff.ts"
import type { Clock } from "./reconnect/clock.ts"
import { openEventStream } from "./sse/open.ts"
import type { EventStreamHandle, SseMessage, StreamStatus } from "./sse/types.ts"
import { HEARTBEAT_MS, STALE_HEARTBEATS, type TetherEvent } from "./wire.ts"

/** The stale limit until `server.connected` tells the real heartbeat: 2.5 × the default heartbeat (10 s). */
export const INITIAL_STALE_AFTER_MS = STALE_HEARTBEATS * HEARTBEAT_MS.default

/**
 * The status of a subscription: the stream's, with `lastEventId` the durable id the next connection resumes
 * after (the last durable event received; before any, or after a `server.resync` that came before any durable
 * event on its connection, the newest id the server announced in `server.connected`, unless that was `null`).
 * With `stream()` it counts events on arrival, so it can be ahead of the event the loop is processing.
 */
export type SubscriptionStatus = StreamStatus & {
  /**
   * With `shareAcrossTabs` only: whether this subscription holds the stream of its group of tabs
   * (`holder`), receives it from another tab (`follower`), or has a stream of its own because this runtime
   * cannot share (`single`). Absent without `shareAcrossTabs`.
   */
  readonly role?: StreamRole
}

/** Which part a subscription with `shareAcrossTabs` plays in its group of tabs. */
export type StreamRole = "holder" | "follower" | "single"

/** Options of `global.event.subscribe`. */
export interface SubscribeOptions {
  /** Called with every event in order: built-in ones (`server.connected`, `server.heartbeat`, `server.resync`, `config.updated`) and published ones. */
  onEvent: (event: TetherEvent) => void
  /** Called with the status on every change. */
  onStatus?: (status: SubscriptionStatus) => void
  /** Called when a frame is not an event envelope (it is skipped). Default: `console.warn`. */
  onError?: (error: TetherProtocolError) => void
  /** Resume after this durable id (sent as `Last-Event-ID`, UTF-8 encoded): events after it are replayed first. NUL, CR or LF: `TypeError` at once. */
  lastEventId?: string
  /** Aborting it closes the subscription. */
  signal?: AbortSignal
  /** Reconnect delays. Default `{ baseMs: 500, capMs: 30000, jitter: 0.25 }` (the server's `retry:` sets `baseMs`). */
  backoff?: Partial<BackoffOptions>
  /** Reconnect when nothing arrived for this long. Default 2.5 × the `heartbeat_ms` the server announces (25 000 until it does). */
  staleAfterMs?: number
  /** Upper bound of one event, in characters. Default 8 Mi. */
  maxEventSize?: number
  /** Time source (tests). */
  clock?: Clock
  /** Random source for the jitter (tests). */
  random?: () => number
}

/** Options of `global.event.stream`: those of `subscribe` without the callbacks for events. */
export type StreamOptions = Omit<SubscribeOptions, "onEvent">

/** A running subscription. */
export interface Subscription {
  /** Stops for good: aborts the request and any pending reconnect. Idempotent. */
  close(): void
  status(): SubscriptionStatus
}

interface Tracker {
  /**
   * Decodes a message as it arrives (not when an iterator gets to it, so the resume point never moves back)
   * and updates the tracked state; `undefined` when it was not an envelope.
   */
  accept(message: SseMessage): TetherEvent | undefined
  status(stream: StreamStatus): SubscriptionStatus
}

function createTracker(options: StreamOptions, handle: () => EventStreamHandle | undefined): Tracker {
  let lastDurableId = options.lastEventId ?? ""
  let heartbeatMs: number | undefined
  // The newest durable id when this connection began (`server.connected`), until a durable event arrives.
  let connectedNewest: string | undefined
  const onError =
    options.onError ?? ((error: TetherProtocolError) => console.warn(`@tether/sdk: ${error.message}`))
  const followHeartbeat = (announced: unknown, onlyRaise: boolean) => {
    if (options.staleAfterMs !== undefined) return
    if (typeof announced !== "number" || !(announced > 0) || !Number.isFinite(announced)) return
    if (announced === heartbeatMs || (onlyRaise && heartbeatMs !== undefined && announced < heartbeatMs))
      return
    heartbeatMs = announced
    handle()?.setStaleAfterMs(STALE_HEARTBEATS * announced)
  }
  return {
    accept(message) {
      const event = decodeEnvelope(message.data)
      if (event instanceof TetherProtocolError) {
        onError(event)
        return undefined
      }
      if (event.id !== "") {
        lastDurableId = event.id
        connectedNewest = undefined
      }
      switch (event.type) {
        case "server.connected": {
          const newest = (event.properties as { last_event_id?: unknown }).last_event_id
          connectedNewest = typeof newest === "string" && newest !== "" ? newest : undefined
          // With no id yet, this connection started "from now", which is that newest id: resuming from it
          // keeps what is published while the client is away, as for a client that had received an event.
          if (lastDurableId === "" && connectedNewest !== undefined) {
            lastDurableId = connectedNewest
            handle()?.setLastEventId(connectedNewest)
          }
          followHeartbeat((event.properties as { heartbeat_ms?: unknown }).heartbeat_ms, false)
          break
        }
        case "server.heartbeat":
          // The heartbeat may change live (PATCH /global/config): follow it without a reconnect.
          followHeartbeat((event.properties as { heartbeat_ms?: unknown }).heartbeat_ms, false)
          break
        case "config.updated": {
          // A longer heartbeat starts with a gap of the new length before the next heartbeat announces it:
          // raise the limit now, or that gap reads as a dead connection. (A lower value is left to the next
          // heartbeat, which comes soon and carries it; a replayed old config.updated must not lower it.)
          const config = (
            event.properties as { config?: { server?: { event_stream?: { heartbeat_ms?: unknown } } } }
          ).config
          followHeartbeat(config?.server?.event_stream?.heartbeat_ms, true)
          break
        }
        case "server.resync":
          // The id asked for is unknown (a wiped or trimmed log). Resuming from it again would resync again,
          // or, once a new log issues that id, silently skip the events before it. The app refetches its
          // state now, so the right resume point is the newest event when this connection began.
          if (connectedNewest !== undefined) {
            lastDurableId = connectedNewest
            handle()?.setLastEventId(connectedNewest)
          }
          break
        default:
      }
      return event
    },
    status(stream) {
      const { lastEventId: _sse, ...rest } = stream
      return lastDurableId === "" ? rest : { ...rest, lastEventId: lastDurableId }
    },
  }
}

/** Parses one `data:` payload into an envelope, or says why it is not one. */
export function decodeEnvelope(data: string): TetherEvent | TetherProtocolError {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return new TetherProtocolError("not JSON", data)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return new TetherProtocolError("not an object", data)
  }
  const { id, type, properties, time } = value as Record<string, unknown>
  if (typeof id !== "string") return new TetherProtocolError("`id` is not a string", data)
  if (typeof type !== "string" || type === "")
    return new TetherProtocolError("`type` is not a non-empty string", data)
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    return new TetherProtocolError("`properties` is not an object", data)
  }
  if (typeof time !== "number") return new TetherProtocolError("`time` is not a number", data)
  return value as TetherEvent
}

function streamOptions(http: HttpConfig, options: StreamOptions) {
  return {
    headers: () => http.headers(),
    fetch: http.fetch,
    signal: options.signal,
    lastEventId: options.lastEventId,
    backoff: options.backoff,
    staleAfterMs: options.staleAfterMs ?? INITIAL_STALE_AFTER_MS,
    maxEventSize: options.maxEventSize,
    clock: options.clock,
    random: options.random,
  }
}

/** `global.event.subscribe`. */
export function subscribeEvents(http: HttpConfig, options: SubscribeOptions): Subscription {
  if (typeof options?.onEvent !== "function") {
    throw new TypeError(
      "global.event.subscribe: options.onEvent must be a function, e.g. subscribe({ onEvent })",
    )
  }
  let handle: EventStreamHandle | undefined
  const tracker = createTracker(options, () => handle)
  const { onEvent, onStatus } = options
  handle = openEventStream(`${http.baseUrl}/global/event`, {
    ...streamOptions(http, options),
    onMessage: (message) => {
      const event = tracker.accept(message)
      if (event) onEvent(event)
    },
    onStatus: onStatus && ((status) => onStatus(tracker.status(status))),
  })
  const opened = handle
  return { close: () => opened.close(), status: () => tracker.status(opened.status()) }
}

/**
 * `global.event.stream`: the same as an async iterator; it pauses reading while the consumer is busy.
 * `return()` closes the connection at once, even while a `next()` waits (an async generator alone would
 * queue it behind that `next()`, until the next event arrives).
 */
export function streamEvents(
  http: HttpConfig,
  options: StreamOptions = {},
): AsyncGenerator<TetherEvent, void, undefined> {
  let handle: EventStreamHandle | undefined
  async function* run(): AsyncGenerator<TetherEvent, void, undefined> {
    const tracker = createTracker(options, () => handle)
    const { onStatus } = options
    // The same message object reaches onMessage (on arrival) and then the iterator (when the consumer asks).
    const decoded = new WeakMap<SseMessage, TetherEvent>()
    const opened = openEventStream(`${http.baseUrl}/global/event`, {
      ...streamOptions(http, options),
      onMessage: (message) => {
        const event = tracker.accept(message)
        if (event) decoded.set(message, event)
      },
      onStatus: onStatus && ((status) => onStatus(tracker.status(status))),
    })
    handle = opened
    try {
      for await (const message of opened) {
        const event = decoded.get(message)
        if (event) yield event
      }
    } finally {
      opened.close()
    }
  }
  const generator = run()
  const queuedReturn = generator.return.bind(generator)
  generator.return = (value) => {
    handle?.close()
    return queuedReturn(value)
  }
  return generator
}
