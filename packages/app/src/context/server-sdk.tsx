/**
 * The app's one connection to the server: `ServerSdkProvider` creates the `@tether/sdk` client and the
 * single event subscription, and `useServerSdk()` hands its state to components as accessors.
 *
 * Reconnecting, backoff and the stale watchdog live in the SDK; this provider only turns what the SDK
 * reports into Solid state: events are queued and applied once per animation frame inside one
 * `batch()`, so a burst renders once; `server.connected` and `server.resync` refetch the server's
 * state; `pagehide` and the owner's cleanup close the stream.
 *
 * @module
 */
import type { Config, ConfigPatch, HealthResponse, TetherEvent } from "@tether/core/wire"
import { createTetherClient, isEventType, type SubscriptionStatus, type TetherClient } from "@tether/sdk"
import {
  type Accessor,
  batch,
  createContext,
  createSignal,
  getOwner,
  type JSX,
  onCleanup,
  onMount,
  useContext,
} from "solid-js"
import { createStore, reconcile } from "solid-js/store"
import type { ChunkedList } from "./chunked-list.ts"
import {
  type ConnectionHistory,
  emptyHistory,
  recordConnect,
  recordHeartbeat,
  recordStatus,
} from "./connection-history.ts"
import { appendEvents, type EventLogState, emptyEventLog, type LogEntry, type Received } from "./event-log.ts"
import { createFrameBatcher, type FrameScheduler } from "./frame-batcher.ts"

export type { TetherClient }

/** The connection status, exactly as the SDK reports it (packages/sdk/README.md, `onStatus`). */
export type ConnectionStatus = SubscriptionStatus

/** What the server said about itself in the last `server.connected` and `server.heartbeat`. */
export interface ServerInfo {
  /**
   * The heartbeat interval to expect: what the server reports, raised at once by a config change that
   * lengthens it (the first longer gap comes before any heartbeat announces it).
   */
  readonly heartbeatMs?: number
  /** Changes on every server restart. */
  readonly instance?: string
  /** The newest durable id when this stream connected. */
  readonly lastEventIdAtConnect?: string | null
  readonly health?: HealthResponse
  /** Why the last refetch failed, if it did. */
  readonly fetchError?: string
  /** How many `server.resync` events arrived (each means events were missed and state was refetched). */
  readonly resyncs: number
}

/** A listener for one event type, or `"*"` for all. */
export type EventHandler = (event: TetherEvent, receivedAt: number) => void

/** What `useServerSdk()` returns. Every field that changes is an accessor. */
export interface ServerSdk {
  readonly client: TetherClient
  readonly status: Accessor<ConnectionStatus>
  /** The bounded log's entries, oldest first (a chunked list: `at(list, i)`, `slice`, `toArray`). */
  readonly events: Accessor<ChunkedList<LogEntry>>
  /** The whole log state: entries and the counters that stay true past the cap. */
  readonly log: Accessor<EventLogState>
  /** When this page last received a `server.heartbeat` (ms epoch). */
  readonly lastHeartbeatAt: Accessor<number | undefined>
  readonly history: Accessor<ConnectionHistory>
  readonly server: Accessor<ServerInfo>
  /** The effective config, `undefined` until the first fetch answers. Kept fresh by `config.updated`. */
  readonly config: Accessor<Config | undefined>
  /** Listens to one event type (or `"*"`); returns the unsubscribe, also run with the caller's owner. */
  on(type: string, handler: EventHandler): () => void
  /** Refetches health and config now. */
  refetch(): Promise<void>
  /**
   * `PATCH /global/config`, and the answer (the new effective config) becomes `config()` at once: the
   * stream's `config.updated` may come later, or not at all while the stream is down. Rejects with the
   * SDK's error (a 400 carries the validation issues) and leaves `config()` as it was.
   */
  updateConfig(patch: unknown): Promise<Config>
  /**
   * Closes the stream and opens a new one from the SDK's resume point: the last durable event received or,
   * before any, the server's newest id when the stream connected (so nothing published in between is skipped).
   */
  reconnect(): void
}

const ServerSdkContext = createContext<ServerSdk>()

export interface ServerSdkProviderProps {
  /** The server's origin. Default: the page's own (the server serves the app; Vite proxies `/global` in dev). */
  readonly baseUrl?: string
  /** Sent as the bearer token when the server has `TETHER_SERVER_PASSWORD`. */
  readonly password?: string
  /** A ready client instead of creating one (tests inject one with a scripted `fetch`). */
  readonly client?: TetherClient
  /**
   * Share one event stream among the app's tabs (SDK `shareAcrossTabs`): a browser allows 6 connections per
   * origin, so a seventh tab with a stream of its own would never connect. Default `true`.
   */
  readonly shareAcrossTabs?: boolean
  /** How many events the log keeps. Default 100 000. */
  readonly logCapacity?: number
  /** When batched events are applied. Default: the next animation frame. */
  readonly scheduler?: FrameScheduler
  /** The clock. Default `Date.now`. */
  readonly now?: () => number
  readonly children?: JSX.Element
}

type Queued =
  | { readonly kind: "event"; readonly event: TetherEvent; readonly at: number }
  | { readonly kind: "status"; readonly status: ConnectionStatus; readonly at: number }

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Provides the server connection to everything below it. Render it once, near the root.
 *
 * @example
 * render(() => (
 *   <ServerSdkProvider>
 *     <App />
 *   </ServerSdkProvider>
 * ), document.getElementById("root")!)
 */
export const ServerSdkProvider = (props: ServerSdkProviderProps): JSX.Element => {
  const now = props.now ?? Date.now
  const client =
    props.client ??
    createTetherClient({
      baseUrl: props.baseUrl ?? globalThis.location.origin,
      shareAcrossTabs: props.shareAcrossTabs ?? true,
      ...(props.password !== undefined ? { password: props.password } : {}),
    })

  const [status, setStatus] = createSignal<ConnectionStatus>({ state: "connecting", attempt: 0 })
  const [log, setLog] = createSignal<EventLogState>(emptyEventLog(props.logCapacity))
  const [lastHeartbeatAt, setLastHeartbeatAt] = createSignal<number>()
  const [history, setHistory] = createSignal<ConnectionHistory>(recordStatus(emptyHistory(), status(), now()))
  const [server, setServer] = createStore<{ -readonly [K in keyof ServerInfo]: ServerInfo[K] }>({
    resyncs: 0,
  })
  const [configStore, setConfigStore] = createStore<{ value?: Config }>({})
  const listeners = new Map<string, Set<EventHandler>>()

  // A newer refetch owns the state; a config write since a refetch started owns only the config.
  let refetchToken = 0
  let configWrites = 0
  const refetch = async (): Promise<void> => {
    const token = ++refetchToken
    const writes = configWrites
    try {
      const [health, config] = await Promise.all([client.global.health(), client.global.config.get()])
      if (token !== refetchToken) return
      batch(() => {
        setServer({ health: { healthy: health.healthy, version: health.version }, fetchError: undefined })
        // Read before the write answered, this config may be the previous one: the write's answer stays.
        if (writes === configWrites) setConfigStore("value", reconcile(config))
      })
    } catch (error) {
      if (token === refetchToken) setServer("fetchError", describe(error))
    }
  }

  // A longer heartbeat starts with a gap of the new length before the next heartbeat announces it: expect
  // it now, or a healthy stream reads as overdue (as the SDK raises its stale limit). A shorter one is left
  // to the next heartbeat, which comes soon and carries it; a replayed old config.updated must not lower it.
  const raiseHeartbeat = (config: Config | undefined) => {
    const next = config?.server?.event_stream?.heartbeat_ms
    const current = server.heartbeatMs
    if (typeof next === "number" && current !== undefined && next > current) setServer("heartbeatMs", next)
  }

  const updateConfig = async (patch: unknown): Promise<Config> => {
    // The settings form forwards what was typed, valid or not (the server's 400 names the problem): the one
    // place an unchecked value meets the typed patch, on purpose.
    const config = await client.global.config.update(patch as ConfigPatch)
    // A refetch still in flight must not put the previous value back.
    configWrites++
    batch(() => {
      setConfigStore("value", reconcile(config))
      raiseHeartbeat(config)
    })
    return config
  }

  const notify = (event: TetherEvent, at: number) => {
    for (const key of [event.type, "*"]) {
      const set = listeners.get(key)
      if (!set) continue
      for (const handler of [...set]) {
        try {
          handler(event, at)
        } catch (error) {
          // One broken listener must not stop the others nor the log.
          console.error(`tether: a listener for ${key} threw`, error)
        }
      }
    }
  }

  const applyBuiltin = (event: TetherEvent, at: number) => {
    const p = event.properties as Record<string, unknown>
    switch (event.type) {
      case "server.heartbeat":
        setLastHeartbeatAt(at)
        setHistory((h) => recordHeartbeat(h, at))
        if (typeof p.heartbeat_ms === "number") setServer("heartbeatMs", p.heartbeat_ms)
        break
      case "server.connected":
        setHistory((h) => recordConnect(h, at))
        setServer({
          ...(typeof p.heartbeat_ms === "number" ? { heartbeatMs: p.heartbeat_ms } : {}),
          ...(typeof p.instance === "string" ? { instance: p.instance } : {}),
          lastEventIdAtConnect: typeof p.last_event_id === "string" ? p.last_event_id : null,
        })
        // A new connection may be a new server (restart, upgrade): its version and config may differ.
        void refetch()
        break
      case "server.resync":
        setServer("resyncs", (n) => n + 1)
        void refetch()
        break
      case "config.updated":
        // Typed by the wire contract, and still checked: a stream may carry anything.
        if (
          isEventType(event, "config.updated") &&
          event.properties.config &&
          typeof event.properties.config === "object"
        ) {
          setConfigStore("value", reconcile(event.properties.config))
          raiseHeartbeat(event.properties.config)
        }
        break
    }
  }

  const flush = (items: Queued[]) => {
    batch(() => {
      const received: Received[] = []
      for (const item of items) {
        if (item.kind === "status") {
          setHistory((h) => recordStatus(h, item.status, item.at))
          setStatus(item.status)
        } else {
          received.push({ event: item.event, receivedAt: item.at })
          applyBuiltin(item.event, item.at)
        }
      }
      if (received.length > 0) setLog((state) => appendEvents(state, received))
      for (const { event, receivedAt } of received) notify(event, receivedAt)
    })
  }

  const batcher = createFrameBatcher<Queued>(flush, props.scheduler)

  let subscription: { close(): void; status(): ConnectionStatus } | undefined
  // Where a new subscription resumes: the SDK's own resume point (which, before any durable event, is the
  // server's newest id from server.connected), so a replaced stream skips nothing published in between.
  let resumePoint: string | undefined
  const rememberResumePoint = () => {
    const id = subscription?.status().lastEventId
    if (id !== undefined && id !== "") resumePoint = id
  }
  // Only the newest subscription speaks: a replaced one's last "closed" must not overwrite the new state.
  let generation = 0

  const open = () => {
    const current = ++generation
    rememberResumePoint()
    subscription?.close()
    subscription = client.global.event.subscribe({
      onEvent: (event: TetherEvent) => {
        if (current !== generation) return
        batcher.push({ kind: "event", event, at: now() })
      },
      onStatus: (next: ConnectionStatus) => {
        if (current !== generation) return
        batcher.push({ kind: "status", status: { ...next }, at: now() })
      },
      ...(resumePoint !== undefined ? { lastEventId: resumePoint } : {}),
    })
  }

  const close = () => {
    rememberResumePoint()
    subscription?.close()
    subscription = undefined
    batcher.flush()
  }

  // A page kept in the back/forward cache is frozen, not unloaded: close on the way in, resume on the way back.
  const onPageHide = () => close()
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted && subscription === undefined) open()
  }

  onMount(() => {
    open()
    globalThis.addEventListener?.("pagehide", onPageHide)
    globalThis.addEventListener?.("pageshow", onPageShow as EventListener)
  })

  onCleanup(() => {
    globalThis.removeEventListener?.("pagehide", onPageHide)
    globalThis.removeEventListener?.("pageshow", onPageShow as EventListener)
    subscription?.close()
    subscription = undefined
    batcher.dispose()
    listeners.clear()
  })

  const on = (type: string, handler: EventHandler) => {
    let set = listeners.get(type)
    if (!set) {
      set = new Set()
      listeners.set(type, set)
    }
    set.add(handler)
    const off = () => {
      listeners.get(type)?.delete(handler)
    }
    if (getOwner()) onCleanup(off)
    return off
  }

  const value: ServerSdk = {
    client,
    status,
    events: () => log().entries,
    log,
    lastHeartbeatAt,
    history,
    server: () => server,
    config: () => configStore.value,
    on,
    refetch,
    updateConfig,
    reconnect: open,
  }

  return <ServerSdkContext.Provider value={value}>{props.children}</ServerSdkContext.Provider>
}

/**
 * The server connection of the nearest `ServerSdkProvider`.
 *
 * @throws Error when called outside a `ServerSdkProvider`: a component that needs the server cannot work without it.
 * @example
 * const sdk = useServerSdk()
 * return <p data-connection-state={sdk.status().state}>{sdk.status().state}</p>
 */
export const useServerSdk = (): ServerSdk => {
  const sdk = useContext(ServerSdkContext)
  if (!sdk) throw new Error("useServerSdk() must be called inside <ServerSdkProvider>")
  return sdk
}
