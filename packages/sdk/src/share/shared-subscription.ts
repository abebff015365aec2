/**
 * `subscribe` with `shareAcrossTabs`: every tab of an origin that subscribes to the same server (same
 * base URL and password) joins one group; one member holds the real stream and relays it, the others follow.
 *
 * - Election: each member asks for one Web Lock named after the group. The browser grants it to one member
 *   at a time, in request order, and releases it when that member's tab closes or crashes; the next member
 *   in the queue then holds the stream. A page about to be frozen (`freeze`, or `pagehide` into the
 *   back/forward cache) leaves the group and joins again when it runs again, so a frozen tab never keeps it.
 *   A holder frozen or hung without notice stops answering the followers' probes and has its lock stolen.
 * - Relay: a `BroadcastChannel` of the same name (see `holder-relay.ts` and `follower-inbox.ts`).
 * - A member that takes over resumes the stream after the last durable event it delivered, so it repeats
 *   nothing itself; the others drop the durable ids they already delivered, and one that is behind it asks
 *   it for the rest, which it replays from what it delivered (`event-history.ts`).
 * - Without Web Locks or `BroadcastChannel` (Node, Bun, old browsers, plain-http pages other than localhost)
 *   it is an ordinary subscription of its own, and its status says `role: "single"`.
 *
 * @module
 */
import type { HttpConfig } from "../http.ts"
import { listenForWake } from "../reconnect/wake.ts"
import { createFanout } from "../sse/fanout.ts"
import type { StreamStatus } from "../sse/types.ts"
import {
  type StreamOptions,
  type StreamRole,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionStatus,
  subscribeEvents,
} from "../subscribe.ts"
import type { TetherEvent } from "../wire.ts"
import { createEventHistory } from "./event-history.ts"
import { createFollowerInbox } from "./follower-inbox.ts"
import { shareGroupName } from "./group-name.ts"
import { createHolderRelay, type HolderRelay } from "./holder-relay.ts"
import { isShareMessage, type ShareMessage } from "./protocol.ts"
import { type LockManagerLike, sharingLocks } from "./support.ts"

/** A follower that heard nothing from the holder for this long asks whether it is there. */
export const PROBE_AFTER_MS = 500
/** …and takes the stream over when no answer came this long after asking. */
export const STEAL_AFTER_MS = 500
const WATCH_EVERY_MS = 125

interface PageTarget {
  addEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
  removeEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
}

/** `global.event.subscribe` with `shareAcrossTabs: true`. */
export function subscribeShared(
  http: HttpConfig,
  options: SubscribeOptions,
  password: string | undefined,
): Subscription {
  if (typeof options?.onEvent !== "function") {
    throw new TypeError(
      "global.event.subscribe: options.onEvent must be a function, e.g. subscribe({ onEvent })",
    )
  }
  const locks = sharingLocks(password !== undefined)
  if (locks === undefined) return single(http, options)
  return member(http, options, password, locks)
}

/** The fallback: a stream of its own, whose status says so. */
function single(http: HttpConfig, options: SubscribeOptions): Subscription {
  const { onStatus } = options
  const subscription = subscribeEvents(http, {
    ...options,
    onStatus: onStatus && ((status) => onStatus({ ...status, role: "single" })),
  })
  return {
    close: () => subscription.close(),
    status: () => ({ ...subscription.status(), role: "single" }),
  }
}

function member(
  http: HttpConfig,
  options: SubscribeOptions,
  password: string | undefined,
  locks: LockManagerLike,
): Subscription {
  const id = randomId()
  const delivered = createEventHistory()
  let closed = false
  let paused = false
  let role: StreamRole = "follower"
  let current: SubscriptionStatus = {
    state: "connecting",
    attempt: 0,
    ...(options.lastEventId ? { lastEventId: options.lastEventId } : {}),
    role,
  }
  let channel: BroadcastChannel | undefined
  let lockRequest: AbortController | undefined
  let releaseLock: (() => void) | undefined
  let relay: HolderRelay | undefined
  let stream: Subscription | undefined
  let generation = 0
  let stopWake = () => {}
  let groupName: string | undefined

  const emitStatus = (status: StreamStatus) => {
    current = { ...status, role }
    if (options.onStatus) report(options.onStatus, current)
  }
  const deliver = (event: TetherEvent) => report(options.onEvent, event)
  const post = (message: ShareMessage) => {
    if (!closed) channel?.postMessage(message)
  }
  const inbox = createFollowerInbox({
    id,
    post,
    delivered,
    onEvent: deliver,
    onStatus: emitStatus,
    ...(options.lastEventId ? { after: options.lastEventId } : {}),
  })

  /** Opens (or reopens) the real stream after `lastEventId`; callbacks of a replaced stream are ignored. */
  const startStream = (lastEventId: string | undefined) => {
    const mine = ++generation
    stream?.close()
    const opened: Subscription = subscribeEvents(http, {
      ...options,
      signal: undefined,
      lastEventId,
      onEvent: (event) => {
        if (mine !== generation) return
        const before = inbox.resume()
        const resume = opened.status().lastEventId
        relay?.event(event, resume)
        inbox.setResume(resume)
        if (event.id !== "") {
          // Resumed after its own last id, this should never repeat; the check costs one lookup.
          if (delivered.has(event.id)) return
          delivered.add(event, before)
        }
        deliver(event)
      },
      onStatus: (status) => {
        if (mine !== generation) return
        relay?.status(status)
        emitStatus(status)
      },
    })
    stream = opened
  }

  const takeOver = () => {
    role = "holder"
    const resume = inbox.resume()
    relay = createHolderRelay({
      term: randomId(),
      post,
      history: delivered,
      ...(resume !== undefined ? { resume } : {}),
    })
    relay.announce()
    startStream(resume)
  }

  const stepDown = () => {
    generation++
    stream?.close()
    stream = undefined
    relay = undefined
    releaseLock?.()
    releaseLock = undefined
    role = "follower"
  }

  /**
   * Queues for the group's lock (or, `steal`ing, takes it from a holder that stopped answering). Losing
   * a held lock to a steal (this tab was frozen or hung) makes this member a follower again.
   */
  const requestLock = (name: string, steal = false) => {
    lockRequest?.abort()
    const request = new AbortController()
    lockRequest = request
    let held = false
    // The Web Locks API refuses `steal` together with `signal`.
    locks
      .request(name, steal ? { steal: true } : { signal: request.signal }, () => {
        if (closed || paused || lockRequest !== request) return Promise.resolve()
        held = true
        return new Promise<void>((resolve) => {
          releaseLock = resolve
          takeOver()
        })
      })
      .catch(() => {
        // Aborted before its turn (this member left or paused), or stolen while held.
        if (!held || closed || paused || lockRequest !== request) return
        stepDown()
        rejoin(name)
      })
  }

  const rejoin = (name: string) => {
    // Paused before the group's name was known: it never joined.
    if (channel === undefined) {
      join(name)
      return
    }
    inbox.reset()
    heard()
    inbox.hello()
    requestLock(name)
  }

  // Liveness of the holder, for a holder frozen or hung without a `freeze` event (the browser or a
  // debugger froze it, or a long task blocks it): a follower that heard nothing for PROBE_AFTER_MS asks,
  // and one that got no answer STEAL_AFTER_MS later takes the lock. A holder answers from its message
  // handler, which no timer throttling delays, so a hidden but running holder keeps the stream.
  let lastHeardAt = Date.now()
  let probeAt: number | undefined
  let probing = false
  const heard = () => {
    lastHeardAt = Date.now()
    probeAt = undefined
    probing = false
  }
  const watchHolder = () => {
    if (closed || paused || role !== "follower" || groupName === undefined) return
    const now = Date.now()
    if (probeAt !== undefined) {
      if (now - probeAt < STEAL_AFTER_MS) return
      if (probing) requestLock(groupName, true)
      heard()
      return
    }
    if (now - lastHeardAt < PROBE_AFTER_MS) return
    probeAt = now
    probing = true
    post({ t: "probe", from: id })
  }

  const onMessage = (data: unknown) => {
    if (closed || paused || !isShareMessage(data)) return
    if (role !== "holder") {
      if (data.t === "probe") {
        // Another follower asked first: wait for the answer with it rather than ask again.
        probeAt ??= Date.now()
      } else if (data.t !== "hello" && data.t !== "kick") heard()
      inbox.receive(data)
      return
    }
    const state = current.state
    if (data.t === "probe") post({ t: "alive", term: relay?.term ?? "" })
    else if (data.t === "hello") {
      relay?.welcome(data)
      // A new subscription is a new attempt, as a stream of its own would be: a stream that ended
      // (a 401 before the password was fixed) or waits to reconnect tries again now.
      if (state === "closed" || state === "reconnecting") startStream(current.lastEventId ?? data.after)
    } else if (data.t === "kick" && state === "reconnecting") startStream(current.lastEventId)
  }

  const join = (name: string) => {
    channel = new BroadcastChannel(name)
    channel.onmessage = (event: MessageEvent) => onMessage(event.data)
    heard()
    inbox.hello()
    requestLock(name)
  }

  // Freezing keeps timers and the event loop stopped: the lock must go to a tab that runs.
  // `pagehide`/`pageshow` with `persisted: false` are an unload and a first load: nothing to do then.
  const onFreeze = (event: { persisted?: boolean }) => {
    if (closed || paused || event.persisted === false) return
    paused = true
    lockRequest?.abort()
    lockRequest = undefined
    if (role === "holder") stepDown()
  }
  const onResume = (event: { persisted?: boolean }) => {
    if (closed || !paused || event.persisted === false) return
    paused = false
    if (groupName !== undefined) rejoin(groupName)
  }
  const page = pageTarget()
  const win = windowTarget()
  let watcher: ReturnType<typeof setInterval> | undefined
  const onAbort = () => close()
  function close(): void {
    if (closed) return
    options.signal?.removeEventListener("abort", onAbort)
    const was = role
    if (role === "holder") stepDown()
    role = was
    closed = true
    lockRequest?.abort()
    stopWake()
    clearInterval(watcher)
    page?.removeEventListener("freeze", onFreeze)
    page?.removeEventListener("resume", onResume)
    win?.removeEventListener("pagehide", onFreeze)
    win?.removeEventListener("pageshow", onResume)
    channel?.close()
    const { error: _error, nextRetryAt: _retry, ...rest } = current
    emitStatus({ ...rest, state: "closed" })
  }

  if (options.signal?.aborted) {
    closed = true
    current = { ...current, state: "closed" }
  } else {
    options.signal?.addEventListener("abort", onAbort, { once: true })
    page?.addEventListener("freeze", onFreeze)
    page?.addEventListener("resume", onResume)
    win?.addEventListener("pagehide", onFreeze)
    win?.addEventListener("pageshow", onResume)
    watcher = setInterval(watchHolder, WATCH_EVERY_MS)
    // Only followers need this: the holder's own stream listens for wake-ups in its tab.
    stopWake = listenForWake(() => {
      if (role === "follower" && !paused) post({ t: "kick" })
    })
    shareGroupName(http.baseUrl, password).then(
      (name) => {
        groupName = name
        if (!closed && !paused) join(name)
      },
      (error: unknown) => {
        if (!closed) emitStatus({ state: "closed", attempt: 0, error: asError(error) })
      },
    )
  }

  return { close, status: () => current }
}

/**
 * `global.event.stream` with `shareAcrossTabs: true`: the shared subscription as an async iterator. The
 * holder cannot pause the group's stream for one slow loop, so events queue in memory until the loop takes
 * them. `return()` closes at once, even while a `next()` waits (as `streamEvents` does).
 */
export function streamShared(
  http: HttpConfig,
  options: StreamOptions,
  password: string | undefined,
): AsyncGenerator<TetherEvent, void, undefined> {
  let stop: (() => void) | undefined
  async function* run(): AsyncGenerator<TetherEvent, void, undefined> {
    const fanout = createFanout<TetherEvent>(Number.POSITIVE_INFINITY)
    const iterator = fanout.iterator()
    const subscription = subscribeShared(
      http,
      {
        ...options,
        onEvent: (event) => fanout.push(event),
        onStatus: (status) => {
          options.onStatus?.(status)
          if (status.state === "closed") fanout.end(status.error)
        },
      },
      password,
    )
    stop = () => {
      subscription.close()
      fanout.end()
    }
    try {
      for (;;) {
        const next = await iterator.next()
        if (next.done) return
        yield next.value
      }
    } finally {
      subscription.close()
    }
  }
  const generator = run()
  const queuedReturn = generator.return.bind(generator)
  generator.return = (value) => {
    stop?.()
    return queuedReturn(value)
  }
  return generator
}

function pageTarget(): PageTarget | undefined {
  const doc = (globalThis as { document?: Partial<PageTarget> }).document
  return typeof doc?.addEventListener === "function" ? (doc as PageTarget) : undefined
}

function windowTarget(): PageTarget | undefined {
  const win = (globalThis as { window?: Partial<PageTarget> }).window
  return typeof win?.addEventListener === "function" ? (win as PageTarget) : undefined
}

function randomId(): string {
  return (
    globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  )
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/** Runs a user callback; its exception is reported, not allowed to break the relay. */
function report<T>(callback: (value: T) => void, value: T): void {
  try {
    callback(value)
  } catch (error) {
    const scope = globalThis as { reportError?: (error: unknown) => void }
    if (typeof scope.reportError === "function") scope.reportError(error)
    else console.error("@tether/sdk: a subscription callback threw:", error)
  }
}
