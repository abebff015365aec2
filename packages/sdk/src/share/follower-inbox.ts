/**
 * A follower's side of the relay: it delivers the holder's messages in the order they were posted, only
 * those of the current holder, and each durable event once (a new holder's first events may be ones
 * this member already delivered from the previous holder). It keeps the resume point it would take over with.
 *
 * @module
 */
import type { StreamStatus } from "../sse/types.ts"
import type { TetherEvent } from "../wire.ts"
import type { EventHistory } from "./event-history.ts"
import { fromWireStatus, type ShareMessage } from "./protocol.ts"

export interface FollowerInbox {
  /** Asks the holder (if any) to welcome this member. */
  hello(): void
  receive(message: ShareMessage): void
  /** The id a stream would resume after, were this member to take it over now. */
  resume(): string | undefined
  /** Forgets the holder (after the page was frozen): the next `hello` gets a new welcome. */
  reset(): void
  /** Moves the resume point while this member holds the stream (its own stream's), so it rejoins from there. */
  setResume(id: string | undefined): void
}

export interface FollowerInboxOptions {
  /** This member's id, to pick its own welcome. */
  readonly id: string
  readonly post: (message: ShareMessage) => void
  readonly delivered: EventHistory
  readonly onEvent: (event: TetherEvent) => void
  readonly onStatus: (status: StreamStatus) => void
  /** The `lastEventId` this member was asked to resume after. */
  readonly after?: string
}

export function createFollowerInbox(options: FollowerInboxOptions): FollowerInbox {
  const { id, post, delivered } = options
  let term: string | undefined
  let resume = options.after

  /** Delivers an event unless it is a durable one delivered already; `before`: the resume point before it. */
  const deliver = (event: TetherEvent, before: string | undefined) => {
    if (event.id !== "") {
      if (delivered.has(event.id)) return
      delivered.add(event, before)
    }
    options.onEvent(event)
  }
  const withResume = (status: StreamStatus): StreamStatus => {
    const { lastEventId: _holders, ...rest } = status
    return resume === undefined ? rest : { ...rest, lastEventId: resume }
  }

  const hello = () => post({ t: "hello", from: id, ...(resume !== undefined ? { after: resume } : {}) })

  return {
    hello,
    resume: () => resume,
    reset: () => {
      term = undefined
    },
    setResume: (id) => {
      if (id !== undefined) resume = id
    },
    receive(message) {
      switch (message.t) {
        case "holder": {
          // Not welcomed yet: this member's hello reached nobody who could answer; say it again. Behind
          // the new holder (it resumes after an event this member has not delivered yet): ask it for the
          // rest, since the previous holder's last messages no longer count. Otherwise follow it: its
          // stream goes on from where this member stands, and what it repeats is dropped by id.
          const behind = message.from !== undefined && message.from !== resume && !delivered.has(message.from)
          if (term === undefined || behind) {
            term = undefined
            hello()
          } else term = message.term
          break
        }
        case "welcome": {
          if (message.to !== id || term !== undefined) break
          term = message.term
          let before = resume
          if (message.resume !== undefined) resume = message.resume
          options.onStatus(withResume(fromWireStatus(message.status)))
          for (const event of message.replay) {
            deliver(event, before)
            if (event.id !== "") before = event.id
          }
          break
        }
        case "event": {
          if (message.term !== term) break
          const before = resume
          if (message.resume !== undefined) resume = message.resume
          deliver(message.event, before)
          break
        }
        case "status":
          if (message.term !== term) break
          options.onStatus(withResume(fromWireStatus(message.status)))
          break
        default:
      }
    },
  }
}
