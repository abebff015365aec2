/**
 * The holder's side of the relay: it posts every event and status of its real stream to the group, and
 * answers each new member with what that member would have seen from a stream of its own so far: the
 * current connection's `server.connected`, then the events after the id it asked to resume from.
 *
 * @module
 */
import type { StreamStatus } from "../sse/types.ts"
import type { TetherEvent } from "../wire.ts"
import type { EventHistory } from "./event-history.ts"
import { type ShareMessage, toWireStatus, type WireStatus } from "./protocol.ts"

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
  /** What this member delivered (as follower and as holder): the replays to a member that joins come from it. */
  readonly history: EventHistory
  readonly now?: () => number
}

export function createHolderRelay(options: HolderRelayOptions): HolderRelay {
  const { term, post, history } = options
  const now = options.now ?? Date.now
  let connected: TetherEvent | undefined
  let resume = options.resume
  let status: WireStatus = { state: "connecting", attempt: 0 }

  return {
    term,
    announce: () => post({ t: "holder", term, ...(resume !== undefined ? { from: resume } : {}) }),
    event(event, after) {
      if (event.type === "server.connected") connected = event
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
        const missed = history.since(after)
        if (missed) replay.push(...missed)
        else {
          // What the server says for an id it no longer holds: the member refetches its state.
          replay.push({
            id: "",
            type: "server.resync",
            properties: { requested: after, oldest: history.oldest() ?? null },
            time: now(),
          })
        }
      }
      post({ t: "welcome", to: from, term, status, replay, ...(resume !== undefined ? { resume } : {}) })
    },
  }
}
