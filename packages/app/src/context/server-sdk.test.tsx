/**
 * The provider with the real SDK client: only the network is scripted (an injected `fetch` whose
 * event-stream response is a ReadableStream the test writes SSE frames into), and animation frames
 * are stepped by hand, so batching is observable exactly.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { createTetherClient } from "@tether/sdk"
import { createEffect, createRoot } from "solid-js"
import { render } from "solid-js/web"
import { CONFIG, manualFrames, scriptedServer, settle } from "../../test/helpers/scripted-server.ts"
import { toArray } from "./chunked-list.ts"
import { type ServerSdk, ServerSdkProvider, useServerSdk } from "./server-sdk.tsx"

const mount = (server: ReturnType<typeof scriptedServer>, frames: ReturnType<typeof manualFrames>) => {
  let sdk!: ServerSdk
  const Probe = () => {
    sdk = useServerSdk()
    return null
  }
  const root = document.createElement("div")
  const dispose = render(
    () => (
      <ServerSdkProvider
        client={createTetherClient({ baseUrl: "http://127.0.0.1:4096", fetch: server.fetch })}
        scheduler={frames.scheduler}
      >
        <Probe />
      </ServerSdkProvider>
    ),
    root,
  )
  return { sdk, dispose }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn()
})

/** Mounts the provider on a scripted server and lets the first `server.connected` frame land. */
const mountConnected = async () => {
  const server = scriptedServer()
  const frames = manualFrames()
  const { sdk, dispose } = mount(server, frames)
  cleanups.push(dispose)
  await settle(() => server.streams.length === 1)
  server.connect()
  await settle(() => frames.pending() > 0)
  frames.frame()
  return { server, frames, sdk }
}

describe("ServerSdkProvider", () => {
  test("opens one subscription and reports open once server.connected is applied", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    expect(server.streams.length).toBe(1)
    server.connect(1000)
    await settle(() => frames.pending() > 0)
    frames.frame()
    expect(sdk.status().state).toBe("open")
    expect(sdk.status().heartbeatMs).toBe(1000)
    expect(sdk.status().instance).toBe("i-1")
    // server.connected refetches health and config.
    await settle(() => sdk.config() !== undefined && sdk.server().health !== undefined)
    expect(sdk.server().health?.version).toBe("1.2.3")
    expect(sdk.config()?.server.event_stream.heartbeat_ms).toBe(1000)
  })

  test("a burst is applied in one batch per frame: one update of the log, not one per event", async () => {
    const { server, frames, sdk } = await mountConnected()

    let updates = 0
    const stop = createRoot((disposeRoot) => {
      createEffect(() => {
        sdk.events()
        updates++
      })
      return disposeRoot
    })
    cleanups.push(stop)
    const before = updates

    const sent = Array.from({ length: 500 }, (_, n) => server.send("test.burst", { n }))
    await settle(() => sdk.status().lastEventId === sent.at(-1)?.id || frames.pending() > 0)
    await settle()
    // Nothing is applied before the frame…
    expect(toArray(sdk.events()).filter((e) => e.event.type === "test.burst").length).toBe(0)
    expect(frames.pending()).toBe(1)
    frames.frame()
    // …then all of it at once, in order.
    const burst = toArray(sdk.events()).filter((e) => e.event.type === "test.burst")
    expect(burst.map((e) => e.event.id)).toEqual(sent.map((e) => e.id))
    expect(updates - before).toBe(1)
    expect(sdk.log().duplicates).toBe(0)
  })

  test("on(type) hands matching events to listeners; '*' gets all; unsubscribe stops it", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    const pings: string[] = []
    const all: string[] = []
    const off = sdk.on("test.ping", (event) => pings.push(event.id))
    sdk.on("*", (event) => all.push(event.type))
    server.connect()
    server.send("test.ping", {}, "10")
    server.send("test.other", {}, "11")
    await settle(() => frames.pending() > 0)
    await settle()
    frames.frame()
    expect(pings).toEqual(["10"])
    expect(all).toEqual(["server.connected", "test.ping", "test.other"])
    off()
    server.send("test.ping", {}, "12")
    await settle(() => frames.pending() > 0)
    frames.frame()
    expect(pings).toEqual(["10"])
  })

  test("heartbeats set lastHeartbeatAt and the cadence the server reports", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    server.connect(1000)
    server.send("server.heartbeat", { heartbeat_ms: 2000 }, "")
    await settle(() => frames.pending() > 0)
    await settle()
    frames.frame()
    expect(sdk.lastHeartbeatAt()).toBeNumber()
    expect(sdk.status().heartbeatMs).toBe(2000)
    expect(sdk.history().heartbeats.length).toBe(1)
  })

  test("server.resync refetches the server's state and is counted", async () => {
    const { server, frames, sdk } = await mountConnected()
    await settle(() => sdk.config() !== undefined)
    const configFetches = () => server.calls.filter((c) => c === "GET /global/config").length
    const before = configFetches()

    server.setConfig({
      ...CONFIG,
      server: { ...CONFIG.server, event_stream: { ...CONFIG.server.event_stream, heartbeat_ms: 5000 } },
    })
    server.send("server.resync", { requested: "7", oldest: "40" }, "")
    await settle(() => frames.pending() > 0)
    frames.frame()
    await settle(() => sdk.config()?.server.event_stream.heartbeat_ms === 5000)
    expect(configFetches()).toBe(before + 1)
    expect(sdk.server().resyncs).toBe(1)
    expect(sdk.config()?.server.event_stream.heartbeat_ms).toBe(5000)
  })

  test("config.updated replaces the config without a fetch", async () => {
    const { server, frames, sdk } = await mountConnected()
    await settle(() => sdk.config() !== undefined)
    const fetches = server.calls.length
    const next = {
      ...CONFIG,
      server: { ...CONFIG.server, event_stream: { ...CONFIG.server.event_stream, heartbeat_ms: 3000 } },
    }
    server.send("config.updated", { config: next, changed: ["server.event_stream.heartbeat_ms"] })
    await settle(() => frames.pending() > 0)
    frames.frame()
    expect(sdk.config()?.server.event_stream.heartbeat_ms).toBe(3000)
    expect(server.calls.length).toBe(fetches)
  })

  test("a longer heartbeat in config.updated or a saved config is expected at once; a shorter one waits for the next heartbeat", async () => {
    const { server, frames, sdk } = await mountConnected()
    const withHeartbeat = (heartbeat_ms: number) => ({
      ...CONFIG,
      server: { ...CONFIG.server, event_stream: { ...CONFIG.server.event_stream, heartbeat_ms } },
    })
    const deliver = async (type: string, properties: Record<string, unknown>, id?: string) => {
      server.send(type, properties, id)
      await settle(() => frames.pending() > 0)
      frames.frame()
    }
    expect(sdk.status().heartbeatMs).toBe(1000)
    await deliver("config.updated", {
      config: withHeartbeat(10_000),
      changed: ["server.event_stream.heartbeat_ms"],
    })
    expect(sdk.status().heartbeatMs).toBe(10_000)
    // Shorter: the server's next heartbeat says so; until then the longer gap is still possible.
    await deliver("config.updated", {
      config: withHeartbeat(2000),
      changed: ["server.event_stream.heartbeat_ms"],
    })
    expect(sdk.status().heartbeatMs).toBe(10_000)
    await deliver("server.heartbeat", { heartbeat_ms: 2000 }, "")
    expect(sdk.status().heartbeatMs).toBe(2000)
    // The PATCH answer raises it too: the stream's config.updated may come later, or not at all.
    await sdk.updateConfig({ server: { event_stream: { heartbeat_ms: 5000 } } })
    expect(sdk.status().heartbeatMs).toBe(5000)
    await sdk.updateConfig({ server: { event_stream: { heartbeat_ms: 1000 } } })
    expect(sdk.status().heartbeatMs).toBe(5000)
  })

  test("a settings save during a refetch keeps its config and still takes the refetch's health", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    // The health answer waits for the test to release it, so a PATCH can complete while a refetch is in flight.
    let version = "1.2.3"
    let gate: Promise<void> | undefined
    const held = {
      ...server,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        const path = new URL(new Request(input, init).url).pathname
        if (path !== "/global/health" || gate === undefined) return server.fetch(input, init)
        await gate
        return Response.json({ healthy: true, version })
      }) as typeof fetch,
    }
    const { sdk, dispose } = mount(held, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    server.connect()
    await settle(() => frames.pending() > 0)
    frames.frame()
    await settle(() => sdk.server().health !== undefined && sdk.config() !== undefined)
    // A failed refetch leaves its error on show until a refetch succeeds.
    server.setOffline(true)
    await sdk.refetch()
    expect(sdk.server().fetchError).toContain("Failed to fetch")
    server.setOffline(false)

    version = "2.0.0"
    let release!: () => void
    gate = new Promise((resolve) => {
      release = resolve
    })
    const refetching = sdk.refetch()
    await settle(() => server.calls.filter((c) => c === "GET /global/config").length >= 3)
    const saved = await sdk.updateConfig({ server: { event_stream: { heartbeat_ms: 2500 } } })
    expect(saved.server.event_stream.heartbeat_ms).toBe(2500)
    release()
    await refetching
    // The health is the newest there is; the config read before the save is not put back over it.
    expect(sdk.server().health?.version).toBe("2.0.0")
    expect(sdk.server().fetchError).toBeUndefined()
    expect(sdk.config()?.server.event_stream.heartbeat_ms).toBe(2500)
  })

  test("a lost connection shows reconnecting, then resumes with Last-Event-ID", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    server.connect()
    server.send("test.ping", {}, "41")
    await settle(() => frames.pending() > 0)
    await settle()
    frames.frame()
    server.end()
    await settle(() => frames.pending() > 0)
    frames.frame()
    expect(sdk.status().state).toBe("reconnecting")
    expect(sdk.status().nextRetryAt).toBeNumber()
    expect(sdk.history().reconnects).toBe(1)
    // The SDK retries after its backoff (retry: 500 ± jitter) and sends the last id.
    await settle(() => server.streams.length === 2, 5000)
    expect(server.streams[1]?.lastEventId).toBe("41")
  })

  test("Reconnect now and a back/forward-cache return resume where the SDK stood, even before any event arrived", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    // No durable event received yet: the SDK's resume point is the server's newest id at connect.
    server.send("server.connected", { heartbeat_ms: 1000, instance: "i-1", last_event_id: "41" }, "")
    await settle(() => frames.pending() > 0)
    await settle()
    frames.frame()
    sdk.reconnect()
    await settle(() => server.streams.length === 2)
    // Anything published between the two streams is replayed, not skipped.
    expect(server.streams[1]?.lastEventId).toBe("41")

    // The same for a page that goes into the back/forward cache before any event arrived.
    const other = scriptedServer()
    const otherFrames = manualFrames()
    const second = mount(other, otherFrames)
    cleanups.push(second.dispose)
    await settle(() => other.streams.length === 1)
    other.send("server.connected", { heartbeat_ms: 1000, instance: "i-2", last_event_id: "52" }, "")
    await settle(() => otherFrames.pending() > 0)
    await settle()
    otherFrames.frame()
    window.dispatchEvent(new Event("pagehide"))
    const pageshow = new Event("pageshow") as Event & { persisted: boolean }
    Object.defineProperty(pageshow, "persisted", { value: true })
    window.dispatchEvent(pageshow)
    await settle(() => other.streams.length === 2)
    expect(other.streams[1]?.lastEventId).toBe("52")
  })

  test("cleanup closes the stream, cancels the pending frame and drops listeners", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { sdk, dispose } = mount(server, frames)
    await settle(() => server.streams.length === 1)
    let calls = 0
    sdk.on("*", () => calls++)
    server.connect()
    await settle(() => frames.pending() > 0)
    dispose()
    expect(server.streams[0]?.signal?.aborted).toBe(true)
    expect(frames.pending()).toBe(0)
    frames.frame()
    expect(calls).toBe(0)
    await settle()
    expect(server.streams.length).toBe(1)
  })

  test("pagehide closes the stream; a page restored from the back/forward cache resumes after the last event", async () => {
    const server = scriptedServer()
    const frames = manualFrames()
    const { dispose } = mount(server, frames)
    cleanups.push(dispose)
    await settle(() => server.streams.length === 1)
    server.connect()
    server.send("test.ping", {}, "77")
    await settle(() => frames.pending() > 0)
    await settle()
    window.dispatchEvent(new Event("pagehide"))
    expect(server.streams[0]?.signal?.aborted).toBe(true)

    const pageshow = new Event("pageshow") as Event & { persisted: boolean }
    Object.defineProperty(pageshow, "persisted", { value: true })
    window.dispatchEvent(pageshow)
    await settle(() => server.streams.length === 2)
    expect(server.streams[1]?.lastEventId).toBe("77")
  })
})

test("useServerSdk() outside the provider throws a clear error", () => {
  const Orphan = () => {
    useServerSdk()
    return null
  }
  expect(() => createRoot(() => Orphan())).toThrow("useServerSdk() must be called inside <ServerSdkProvider>")
})
