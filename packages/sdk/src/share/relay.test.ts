/**
 * The relay between the tab that holds the stream and the tabs that follow it, over real
 * `BroadcastChannel`s (Bun has them). Bun has no Web Locks, so who holds is set by hand here; the election
 * itself is proven in Chromium (packages/app/test/e2e/tabs.e2e.ts).
 */
import { afterEach, describe, expect, test } from "bun:test"
import type { StreamStatus } from "../sse/types.ts"
import type { TetherEvent } from "../wire.ts"
import { createEventHistory, type EventHistory } from "./event-history.ts"
import { createFollowerInbox, type FollowerInbox } from "./follower-inbox.ts"
import { createHolderRelay, type HolderRelay } from "./holder-relay.ts"
import { isShareMessage, type ShareMessage } from "./protocol.ts"

const channels: BroadcastChannel[] = []
afterEach(() => {
  for (const channel of channels.splice(0)) channel.close()
})

let group = 0
const newGroup = () => `relay-test-${process.pid}-${++group}`

/** One tab's end of the group's channel. */
function endpoint(name: string) {
  const channel = new BroadcastChannel(name)
  channels.push(channel)
  const listeners: ((message: ShareMessage) => void)[] = []
  channel.onmessage = (event: MessageEvent) => {
    if (isShareMessage(event.data)) for (const listener of listeners) listener(event.data)
  }
  return {
    post: (message: ShareMessage) => channel.postMessage(message),
    listen: (listener: (message: ShareMessage) => void) => listeners.push(listener),
  }
}

interface Tab {
  readonly inbox: FollowerInbox
  readonly events: TetherEvent[]
  readonly statuses: StreamStatus[]
  readonly end: ReturnType<typeof endpoint>
  readonly delivered: EventHistory
}

function follower(name: string, id: string, after?: string, replayEvents?: number): Tab {
  const end = endpoint(name)
  const events: TetherEvent[] = []
  const statuses: StreamStatus[] = []
  const delivered = createEventHistory(replayEvents)
  const inbox = createFollowerInbox({
    id,
    post: end.post,
    delivered,
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    ...(after !== undefined ? { after } : {}),
  })
  end.listen((message) => inbox.receive(message))
  return { inbox, events, statuses, end, delivered }
}

/**
 * A holder whose stream is driven by the test, doing what the shared subscription does around the relay:
 * it records what it delivers in its history, answers hellos, and may have been a follower before (`tab`).
 */
function holder(
  name: string,
  {
    tab,
    replayEvents,
    term = `term-${Math.random()}`,
  }: { tab?: Tab; replayEvents?: number; term?: string } = {},
) {
  const end = tab?.end ?? endpoint(name)
  const history = tab?.delivered ?? createEventHistory(replayEvents)
  let resume = tab?.inbox.resume()
  const relay: HolderRelay = createHolderRelay({
    term,
    post: end.post,
    history,
    now: () => 42,
    ...(resume !== undefined ? { resume } : {}),
  })
  let gone = false
  end.listen((message) => {
    if (message.t === "hello" && !gone) relay.welcome(message)
  })
  return {
    /** This holder's tab closed: it answers nothing any more. */
    leave: () => {
      gone = true
    },
    announce: () => relay.announce(),
    status: (status: StreamStatus) => relay.status(status),
    event(sent: TetherEvent, after: string | undefined) {
      relay.event(sent, after)
      if (sent.id !== "" && !history.has(sent.id)) history.add(sent, resume)
      resume = after
    },
  }
}

const event = (id: string, type = "test.event", n = 0): TetherEvent => ({
  id,
  type,
  properties: { n },
  time: 1,
})
const connected = (last: string | null): TetherEvent => ({
  id: "",
  type: "server.connected",
  properties: { heartbeat_ms: 1000, instance: "i-1", last_event_id: last },
  time: 1,
})

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}

/** A holder (term "first") and two welcomed followers, a and b. */
async function groupOfThree() {
  const name = newGroup()
  const first = holder(name, { term: "first" })
  first.event(connected("0"), "0")
  const a = follower(name, "a")
  const b = follower(name, "b")
  a.inbox.hello()
  b.inbox.hello()
  await until(() => a.events.length === 1 && b.events.length === 1, "both welcomes")
  return { name, first, a, b }
}

const ids = (tab: Tab) => tab.events.map((e) => (e.id === "" ? e.type : e.id))

describe("the relay between holder and followers", () => {
  test("a follower that joins gets the connection's server.connected and status first, then every event once, in order", async () => {
    const name = newGroup()
    const relay = holder(name)
    relay.status({ state: "open", attempt: 0, lastEventId: "3" })
    relay.event(connected("3"), "3")

    const tab = follower(name, "a")
    tab.inbox.hello()
    await until(() => tab.statuses.length === 1, "the welcome")
    expect(tab.statuses[0]).toEqual({ state: "open", attempt: 0, lastEventId: "3" })
    expect(ids(tab)).toEqual(["server.connected"])

    for (let n = 4; n <= 50; n++) relay.event(event(String(n)), String(n))
    relay.event({ id: "", type: "server.heartbeat", properties: { heartbeat_ms: 1000 }, time: 2 }, "50")
    await until(() => tab.events.length === 49, "49 events")
    expect(ids(tab)).toEqual([
      "server.connected",
      ...Array.from({ length: 47 }, (_, i) => String(i + 4)),
      "server.heartbeat",
    ])
    expect(tab.inbox.resume()).toBe("50")
  })

  test("an error crosses with its name, message and HTTP status, and the follower's resume point", async () => {
    const name = newGroup()
    const relay = holder(name)
    const tab = follower(name, "a")
    tab.inbox.hello()
    await until(() => tab.statuses.length === 1, "the welcome")
    const error = Object.assign(new Error("401 Unauthorized"), { name: "SseHttpError", status: 401 })
    relay.status({ state: "closed", attempt: 0, error })
    await until(() => tab.statuses.length === 2, "the closed status")
    const received = tab.statuses[1]?.error as Error & { status?: number }
    expect(received).toBeInstanceOf(Error)
    expect([received.name, received.message, received.status]).toEqual([
      "SseHttpError",
      "401 Unauthorized",
      401,
    ])
  })

  test("a member asking to resume after a recent id gets the events after it; an id the holder no longer has gets server.resync", async () => {
    const name = newGroup()
    const relay = holder(name, { replayEvents: 5 })
    relay.event(connected(null), undefined)
    for (let n = 1; n <= 20; n++) relay.event(event(String(n)), String(n))

    const recent = follower(name, "recent", "17")
    recent.inbox.hello()
    const gone = follower(name, "gone", "2")
    gone.inbox.hello()
    await until(() => recent.events.length === 4 && gone.events.length === 2, "both welcomes")
    expect(ids(recent)).toEqual(["server.connected", "18", "19", "20"])
    expect(gone.events[1]).toEqual({
      id: "",
      type: "server.resync",
      properties: { requested: "2", oldest: "16" },
      time: 42,
    })
    expect(recent.inbox.resume()).toBe("20")
    expect(gone.inbox.resume()).toBe("20")
  })

  test("a member that stands where the holder's stream resumed (it held the stream until then) gets every event since", async () => {
    const name = newGroup()
    // This tab followed up to 10, then took the stream over from there.
    const was = follower(name, "was-follower", "10", 4)
    const relay = holder(name, { tab: was })
    relay.event(connected("10"), "10")
    relay.event(event("11"), "11")
    relay.event(event("12"), "12")
    const back = follower(name, "back", "10")
    back.inbox.hello()
    await until(() => back.events.length === 3, "the catch-up")
    expect(ids(back)).toEqual(["server.connected", "11", "12"])

    // Once more events came than the holder keeps, "since 10" cannot be served: resync, not a silent gap.
    for (let n = 13; n <= 20; n++) relay.event(event(String(n)), String(n))
    const late = follower(name, "late", "10")
    late.inbox.hello()
    await until(() => late.events.length === 2, "the late welcome")
    expect(late.events[1]?.type).toBe("server.resync")
  })

  test("handover: the new holder resumes after its own last id; the others drop what they had and see each event once, in order", async () => {
    const { name, first, a, b } = await groupOfThree()
    for (let n = 1; n <= 10; n++) first.event(event(String(n)), String(n))
    await until(() => a.events.length === 11 && b.events.length === 11, "10 events each")

    // The first holder's tab closes; a takes the stream over from where it stands.
    const resume = a.inbox.resume()
    expect(resume).toBe("10")
    const second = holder(name, { tab: a, term: "second" })
    second.announce()
    // The server may repeat an event the group already has (e.g. a holder that resumed from an older
    // point): b must drop it, by id.
    second.event(connected("10"), "10")
    second.event(event("9"), "9")
    second.event(event("10"), "10")
    for (let n = 11; n <= 15; n++) second.event(event(String(n)), String(n))
    // A message of the first holder arriving late is not delivered twice.
    first.event(event("11"), "11")
    await until(() => b.events.length === 17, "b's events after the handover")
    await Bun.sleep(50)
    const durable = b.events.filter((e) => e.id !== "").map((e) => e.id)
    expect(durable).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)))
    expect(b.events.filter((e) => e.type === "server.connected")).toHaveLength(2)
    expect(b.inbox.resume()).toBe("15")
  })

  test("a member behind the new holder (the old holder's last message had not reached it) asks for the rest", async () => {
    const { name, first, a, b } = await groupOfThree()
    for (let n = 1; n <= 9; n++) first.event(event(String(n)), String(n))
    await until(() => b.events.length === 10, "9 events in b")
    // The first holder's event 10 reached a, and a took over, before it reached b (it never will here).
    a.inbox.receive({ t: "event", term: "first", event: event("10"), resume: "10" })
    first.leave()
    expect(a.inbox.resume()).toBe("10")
    const second = holder(name, { tab: a, term: "second" })
    second.announce()
    await until(() => b.events.some((e) => e.id === "10"), "b's catch-up")
    for (let n = 11; n <= 12; n++) second.event(event(String(n)), String(n))
    await until(() => b.events.some((e) => e.id === "12"), "the new holder's events")
    expect(b.events.filter((e) => e.id !== "").map((e) => e.id)).toEqual(
      Array.from({ length: 12 }, (_, i) => String(i + 1)),
    )
    expect(b.inbox.resume()).toBe("12")
  })

  test("a member whose hello reached no holder says it again when a holder announces itself", async () => {
    const name = newGroup()
    const tab = follower(name, "early")
    tab.inbox.hello()
    await Bun.sleep(20)
    const relay = holder(name)
    relay.announce()
    await until(() => tab.statuses.length === 1, "the welcome after the announcement")
    expect(tab.statuses[0]?.state).toBe("connecting")
  })

  test("after reset (a page frozen and woken), the member is welcomed again and catches up from its own resume point", async () => {
    const name = newGroup()
    const relay = holder(name)
    relay.event(connected(null), undefined)
    const tab = follower(name, "sleeper")
    tab.inbox.hello()
    await until(() => tab.events.length === 1, "the welcome")
    relay.event(event("1"), "1")
    await until(() => tab.events.length === 2, "event 1")
    tab.inbox.reset()
    // Posted while the page was frozen and not heard by it (reset drops messages until the new welcome).
    relay.event(event("2"), "2")
    relay.event(event("3"), "3")
    await Bun.sleep(30)
    tab.inbox.hello()
    await until(() => tab.events.filter((e) => e.id !== "").length === 3, "the catch-up")
    expect(ids(tab)).toEqual(["server.connected", "1", "server.connected", "2", "3"])
  })
})
