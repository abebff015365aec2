/**
 * What a subscription's status says about the server behind it, and the one rule that keeps it: the
 * heartbeat interval and the instance come from `server.connected`; `server.heartbeat` sets the interval
 * it announces; a config that lengthens it (`config.updated`, or this client's own `PATCH /global/config`)
 * raises it at once. The stale watchdog follows the same interval, so the status shows what it waits for.
 *
 * @module
 */
import { isEventType } from "./event-type.ts"
import type { TetherEvent } from "./wire.ts"

/** The server's own announcements, as a status carries them: absent until the first `server.connected`. */
export interface ServerFacts {
  /** The heartbeat interval to expect, in ms (see the module's rule). Kept across reconnects: the last known. */
  readonly heartbeatMs?: number
  /** The server process that sent the last `server.connected`; it changes on every server restart. */
  readonly instance?: string
}

/** An announced interval when it is one (a positive finite number of ms), else `undefined`. */
const interval = (value: unknown): number | undefined =>
  typeof value === "number" && value > 0 && Number.isFinite(value) ? value : undefined

/**
 * Raises the heartbeat to a config's, when that is longer (or none was known). A longer heartbeat starts
 * with a gap of the new length before the next heartbeat announces it: expecting it now keeps that gap
 * from reading as a dead or late connection. A shorter one is left to the next heartbeat, which comes soon
 * and carries it; a replayed old config must not lower it. Returns `facts` itself when nothing changes.
 *
 * @example
 * ```ts
 * raiseHeartbeat({ heartbeatMs: 1000 }, 5000) // { heartbeatMs: 5000 }
 * raiseHeartbeat({ heartbeatMs: 5000 }, 1000) // the same object: shorter waits for a heartbeat
 * ```
 */
export function raiseHeartbeat(facts: ServerFacts, configured: unknown): ServerFacts {
  const ms = interval(configured)
  if (ms === undefined || (facts.heartbeatMs !== undefined && ms <= facts.heartbeatMs)) return facts
  return { ...facts, heartbeatMs: ms }
}

/**
 * The facts after one event of the stream (see the module's rule). Every field is checked, since a stream
 * may carry anything; returns `facts` itself when nothing changes.
 *
 * @example
 * ```ts
 * const connected = { id: "", type: "server.connected", time: 0,
 *   properties: { heartbeat_ms: 10_000, instance: "a1", last_event_id: null } }
 * learnFromEvent({}, connected) // { heartbeatMs: 10000, instance: "a1" }
 * ```
 */
export function learnFromEvent(facts: ServerFacts, event: TetherEvent): ServerFacts {
  if (isEventType(event, "server.connected")) {
    const ms = interval(event.properties.heartbeat_ms) ?? facts.heartbeatMs
    const { instance } = event.properties
    const next = {
      ...facts,
      heartbeatMs: ms,
      instance: typeof instance === "string" ? instance : facts.instance,
    }
    return next.heartbeatMs === facts.heartbeatMs && next.instance === facts.instance ? facts : compact(next)
  }
  if (isEventType(event, "server.heartbeat")) {
    // The heartbeat may change live (PATCH /global/config): follow it without a reconnect.
    const ms = interval(event.properties.heartbeat_ms)
    return ms === undefined || ms === facts.heartbeatMs ? facts : { ...facts, heartbeatMs: ms }
  }
  if (isEventType(event, "config.updated")) {
    return raiseHeartbeat(facts, event.properties.config?.server?.event_stream?.heartbeat_ms)
  }
  return facts
}

/** `facts` without its `undefined` fields, so a status has only the fields it knows. */
const compact = (facts: ServerFacts): ServerFacts => ({
  ...(facts.heartbeatMs !== undefined ? { heartbeatMs: facts.heartbeatMs } : {}),
  ...(facts.instance !== undefined ? { instance: facts.instance } : {}),
})

/** `status` with `facts` added (the fields known). */
export function withFacts<Status extends object>(status: Status, facts: ServerFacts): Status & ServerFacts {
  if (facts.heartbeatMs === undefined && facts.instance === undefined) return status
  return { ...status, ...compact(facts) }
}
