/**
 * The holder's side of the relay: it posts every event and status of its real stream to the group, and
 * answers each new member with what that member would have seen from a stream of its own so far: the
 * current connection's `server.connected`, then the events after the id it asked to resume from.
 *
 * @module
 */
import type { StreamStatus } from "../sse/types.ts"
import type { TetherEvent } from "../wire.ts"
import { type ShareMessage, toWireStatus, type WireStatus } from "./protocol.ts"

/** How many durable events the holder keeps to replay to a member that joins with an older `lastEventId`. */
export const REPLAY_LIMIT = 1024

export interface HolderRelay {
  readonly term: string
  /** Tells the group this tab holds the stream now. */
  announce(): void
  /** An event of the real stream, with the subscription's resume point after it. */
  event(event: TetherEvent, resume: string | undefined): void
  status(status: StreamStatus): void
  /** Answers a member's `hello`. */
  welcome(hello: { readonly from: string; readonly after?: string }): void
}

export interface HolderRelayOptions {
  readonly term: string
  readonly post: (message: ShareMessage) => void
  /** The resume point the holder starts from (what it delivered last as a follower). */
  readonly resume?: string
  readonly replayLimit?: number
  readonly now?: () => number
}

export function createHolderRelay(options: HolderRelayOptions): HolderRelay {
  const { term, post } = options
  const replayLimit = options.replayLimit ?? REPLAY_LIMIT
  const now = options.now ?? Date.now
  let connected: TetherEvent | undefined
  let recent: TetherEvent[] = []
  let resume = options.resume
  // The id this holder's stream resumed after: a member that stands there (it stepped down, or was frozen,
  // at that point) needs every event since, while no event of this holder's carries that id.
  const anchor = options.resume
  let trimmed = false
  let status: WireStatus = { state: "connecting", attempt: 0 }

  return {
    term,
    announce: () => post({ t: "holder", term }),
    event(event, after) {
      if (event.type === "server.connected") connected = event
      if (event.id !== "") {
        recent.push(event)
        // Trim in batches: one copy per `replayLimit` events, not one shift per event.
        if (recent.length >= 2 * replayLimit) {
          recent = recent.slice(-replayLimit)
          trimmed = true
        }
      }
      resume = after
      post({ t: "event", term, event, ...(after !== undefined ? { resume: after } : {}) })
    },
    status(next) {
      status = toWireStatus(next)
      post({ t: "status", term, status })
    },
    welcome({ from, after }) {
      const replay: TetherEvent[] = connected ? [connected] : []
      if (after !== undefined && resume !== undefined && after !== resume) {
        const kept = recent.slice(-replayLimit)
        const index = kept.findIndex((event) => event.id === after)
        if (index >= 0) replay.push(...kept.slice(index + 1))
        else if (after === anchor && !trimmed && kept.length === recent.length) replay.push(...kept)
        else {
          // What the server says for an id it no longer holds: the member refetches its state.
          replay.push({
            id: "",
            type: "server.resync",
            properties: { requested: after, oldest: kept[0]?.id ?? null },
            time: now(),
          })
        }
      }
      post({ t: "welcome", to: from, term, status, replay, ...(resume !== undefined ? { resume } : {}) })
    },
  }
}
