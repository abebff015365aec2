/**
 * The event log's contract, shared by every backend (kept apart from `log.ts`, which imports the
 * backends, so that they can import this without an import cycle).
 *
 * @module
 */
import { Data, type Effect } from "effect"

/** One stored durable event. `properties` is the JSON text made once at publish. */
export interface LoggedEvent {
  readonly id: string
  readonly type: string
  readonly time: number
  readonly properties: string
}

/** What to append: the id is minted by the log. */
export interface NewEvent {
  readonly type: string
  readonly time: number
  readonly properties: string
}

/**
 * Where a resuming client starts: replay everything after `after`, or (the id is unknown, or events
 * after it were trimmed) a resync, naming the oldest id still retained.
 */
export type ResumePoint =
  | { readonly _tag: "Replay"; readonly after: string }
  | { readonly _tag: "Resync"; readonly oldest: string | null }

/** The store failed (disk full, file removed, locked past the timeout…). */
export class EventLogError extends Data.TaggedError("EventLogError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Where a backend that fans out by itself hands what it read (see {@link EventLogShape.follow}).
 * Both are called in log order.
 */
export interface LogFollower {
  /** Events in id order, each exactly once, with no gap between two calls. */
  readonly events: (events: readonly LoggedEvent[]) => void
  /**
   * The follower lost its place: a new log generation began (Redis lost its history) or events were
   * trimmed before this instance read them. Every open stream whose last id `unaffected` does not
   * accept must resume from it (the log then replays or resyncs it); `null` means none yet.
   */
  readonly lost: (reason: string, unaffected: (lastId: string | null) => boolean) => void
}

/** A running follower. */
export interface LogFollowing {
  /** Stops reading. */
  readonly stop: () => void
  /** Resolves once everything in the log when it was called has been handed to the follower. */
  readonly caughtUp: Effect.Effect<void, EventLogError>
}

/** The operations every backend provides. */
export interface EventLogShape {
  /** The backend's name, for logs and readiness output. */
  readonly kind: "sqlite" | "memory" | "redis"
  /**
   * Present when the log is shared by several processes (Redis): every event, this process's own
   * included, reaches the local streams through this reader, so every instance delivers the same
   * order. Absent (SQLite, memory): the bus delivers each event right after its append.
   */
  readonly follow?: (follower: LogFollower) => LogFollowing
  /** Stores the event durably and mints its id. Ids increase in append order and are never reused. */
  readonly append: (event: NewEvent) => Effect.Effect<LoggedEvent, EventLogError>
  /**
   * Readiness: one real write on the store's own connection that is not an event (no id minted,
   * nothing replayed, retention untouched). Fails like `append` would (disk full, read-only, locked).
   */
  readonly probe: Effect.Effect<void, EventLogError>
  /** Decides whether a client that last saw `requested` can be replayed without a gap. */
  readonly resume: (requested: string) => Effect.Effect<ResumePoint, EventLogError>
  /** Up to `limit` events after `after`, oldest first. */
  readonly readAfter: (after: string, limit: number) => Effect.Effect<readonly LoggedEvent[], EventLogError>
  /**
   * Where a stream starting now stands: the newest id; in a log with no events (new, or all trimmed)
   * the position before its next one, which `resume` accepts, so a client that connected to an empty
   * log and lost its connection still resumes without missing what came meanwhile. `null` only when
   * the log has no such position.
   */
  readonly newest: Effect.Effect<string | null, EventLogError>
  /** The oldest retained id, or `null` when the log is empty. */
  readonly oldest: Effect.Effect<string | null, EventLogError>
  /**
   * Drops all but the newest `retain` events, oldest first, at most `limit` of them per call (default:
   * no limit); returns how many were dropped. A bounded call keeps a synchronous store from blocking
   * the event loop for long.
   */
  readonly trim: (retain: number, limit?: number) => Effect.Effect<number, EventLogError>
  /** Orders two ids of this log (negative, zero, positive). */
  readonly compare: (a: string, b: string) => number
  /**
   * Present when ids are gapless (Redis): the id right before `id`, or `null` when there is none. The
   * fan-out then checks that a live stream gets the next number and nothing else.
   */
  readonly previous?: (id: string) => string | null
}
