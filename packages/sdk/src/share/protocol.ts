/**
 * The messages the tabs of a group exchange on their `BroadcastChannel`, and the status in a form that
 * survives structured cloning (an `Error` loses its class and extra fields on the way).
 *
 * A `term` names one holder's time in office (a fresh random id each time a tab takes the stream), so a
 * follower can tell the current holder's messages from a late one of the previous holder.
 *
 * @module
 */
import type { StreamStatus } from "../sse/types.ts"
import type { TetherEvent } from "../wire.ts"

/** An error as it crosses to another tab: its name, message and HTTP status (the app tells a 401 by it). */
export interface WireError {
  readonly name: string
  readonly message: string
  readonly status?: number
}

/** A stream status as it crosses to another tab. */
export type WireStatus = Omit<StreamStatus, "error"> & { readonly error?: WireError }

export type ShareMessage =
  /** A new member asks the holder for the current status (and the events after `after`, if it has them). */
  | { readonly t: "hello"; readonly from: string; readonly after?: string }
  /** The holder's answer to one `hello`: what that member delivers first, then the holder's live messages. */
  | {
      readonly t: "welcome"
      readonly to: string
      readonly term: string
      readonly status: WireStatus
      readonly replay: readonly TetherEvent[]
      readonly resume?: string
    }
  /**
   * A tab took the stream, resuming after `from`: members not yet welcomed say hello again, and a member
   * that has not delivered `from` yet (the previous holder's last messages still on their way to it) asks
   * the new holder for what it misses.
   */
  | { readonly t: "holder"; readonly term: string; readonly from?: string }
  /** One event, with the resume point the holder's subscription had after it. */
  | { readonly t: "event"; readonly term: string; readonly event: TetherEvent; readonly resume?: string }
  | { readonly t: "status"; readonly term: string; readonly status: WireStatus }
  /** A member's page woke up (`online`, visible again): a holder waiting to reconnect tries now. */
  | { readonly t: "kick" }
  /** A follower heard nothing from the holder for a while: is it still there? */
  | { readonly t: "probe"; readonly from: string }
  /** The holder's answer to a probe. */
  | { readonly t: "alive"; readonly term: string }

export function toWireStatus(status: StreamStatus): WireStatus {
  const { error, ...rest } = status
  if (error === undefined) return rest
  const code = (error as { status?: unknown }).status
  return {
    ...rest,
    error: {
      name: error.name,
      message: error.message,
      ...(typeof code === "number" ? { status: code } : {}),
    },
  }
}

export function fromWireStatus(status: WireStatus): StreamStatus {
  const { error, ...rest } = status
  if (error === undefined) return rest
  const copy = Object.assign(new Error(error.message), { name: error.name })
  return { ...rest, error: error.status === undefined ? copy : Object.assign(copy, { status: error.status }) }
}

/** Whether `data` (from the channel, so from any script of the origin) has the shape of a message. */
export function isShareMessage(data: unknown): data is ShareMessage {
  if (typeof data !== "object" || data === null) return false
  const t = (data as { t?: unknown }).t
  return (
    t === "hello" ||
    t === "welcome" ||
    t === "holder" ||
    t === "event" ||
    t === "status" ||
    t === "kick" ||
    t === "probe" ||
    t === "alive"
  )
}
