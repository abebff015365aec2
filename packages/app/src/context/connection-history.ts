/**
 * What happened to the connection over time, as pure data: state transitions (for the reconnect
 * history) and heartbeat arrivals (for the timeline plot and the measured cadence).
 *
 * @module
 */

/** The SDK's connection states (packages/sdk/README.md, `onStatus`). */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed"

/** The part of the SDK status the history records. */
export interface StatusSample {
  readonly state: ConnectionState
  readonly attempt: number
  readonly nextRetryAt?: number
  readonly error?: unknown
}

/** One change of connection state. */
export interface Transition {
  readonly at: number
  readonly from: ConnectionState | null
  readonly to: ConnectionState
  readonly attempt: number
  readonly nextRetryAt?: number
  /** A one-line reason, when the SDK gave one. */
  readonly reason?: string
}

export interface ConnectionHistory {
  /** Oldest first, at most `limit`. */
  readonly transitions: readonly Transition[]
  /** Receive times of `server.heartbeat`, oldest first, at most `limit`. */
  readonly heartbeats: readonly number[]
  /** Times a stream opened (`server.connected` received), oldest first, at most `limit`. */
  readonly connects: readonly number[]
  /** How many times the connection left `open` for `reconnecting`. */
  readonly reconnects: number
  readonly limit: number
}

export const emptyHistory = (limit = 200): ConnectionHistory => ({
  transitions: [],
  heartbeats: [],
  connects: [],
  reconnects: 0,
  limit,
})

const pushBounded = <T>(list: readonly T[], item: T, limit: number): readonly T[] => {
  const next = list.length >= limit ? list.slice(list.length - limit + 1) : list.slice()
  next.push(item)
  return next
}

/** A short human reason out of whatever the SDK put in `error`. */
export const describeError = (error: unknown): string | undefined => {
  if (error === undefined || error === null) return undefined
  if (error instanceof Error) return error.message || error.name
  if (typeof error === "string") return error
  if (typeof error === "object" && "message" in error && typeof error.message === "string")
    return error.message
  return String(error)
}

/**
 * Records a status. Only a change of `state`, or a new attempt while reconnecting, makes a
 * transition: the SDK reports status on every frame, and the history must not grow with them.
 */
export const recordStatus = (
  history: ConnectionHistory,
  status: StatusSample,
  at: number,
): ConnectionHistory => {
  const last = history.transitions.at(-1)
  if (
    last &&
    last.to === status.state &&
    (status.state !== "reconnecting" || last.attempt === status.attempt)
  ) {
    return history
  }
  const reason = describeError(status.error)
  const transition: Transition = {
    at,
    from: last?.to ?? null,
    to: status.state,
    attempt: status.attempt,
    ...(status.nextRetryAt !== undefined ? { nextRetryAt: status.nextRetryAt } : {}),
    ...(reason !== undefined ? { reason } : {}),
  }
  return {
    ...history,
    transitions: pushBounded(history.transitions, transition, history.limit),
    reconnects:
      history.reconnects +
      (status.state === "reconnecting" && last?.to !== "reconnecting" && last !== undefined ? 1 : 0),
  }
}

export const recordHeartbeat = (history: ConnectionHistory, at: number): ConnectionHistory => ({
  ...history,
  heartbeats: pushBounded(history.heartbeats, at, history.limit),
})

export const recordConnect = (history: ConnectionHistory, at: number): ConnectionHistory => ({
  ...history,
  connects: pushBounded(history.connects, at, history.limit),
})

/**
 * The heartbeat cadence as measured on this page: the median gap between the last `sample + 1`
 * heartbeats received since the last (re)connect, or `undefined` with fewer than two. The median
 * ignores the one long gap around a reconnect or a throttled background tab.
 */
export const measuredCadence = (history: ConnectionHistory, sample = 5): number | undefined => {
  const since = history.connects.at(-1) ?? Number.NEGATIVE_INFINITY
  const beats = history.heartbeats.filter((t) => t >= since).slice(-(sample + 1))
  if (beats.length < 2) return undefined
  const gaps: number[] = []
  for (let i = 1; i < beats.length; i++) gaps.push((beats[i] as number) - (beats[i - 1] as number))
  gaps.sort((a, b) => a - b)
  const mid = gaps.length >> 1
  return gaps.length % 2 === 1
    ? (gaps[mid] as number)
    : ((gaps[mid - 1] as number) + (gaps[mid] as number)) / 2
}

/** A span of time spent in one state, for the timeline plot. */
export interface StateSpan {
  readonly state: ConnectionState
  readonly from: number
  readonly to: number
}

/** The state spans that overlap `[start, end]`, clipped to it. */
export const stateSpans = (history: ConnectionHistory, start: number, end: number): StateSpan[] => {
  const spans: StateSpan[] = []
  const list = history.transitions
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as Transition
    const next = list[i + 1]
    const from = Math.max(t.at, start)
    const to = Math.min(next ? next.at : end, end)
    if (to > from) spans.push({ state: t.to, from, to })
  }
  return spans
}
