/**
 * `shareAcrossTabs` where sharing cannot work: Bun has `BroadcastChannel` but no Web Locks, so every
 * subscription keeps a stream of its own, says so in its status, and nothing throws.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { createTetherClient, type SubscriptionStatus, type TetherEvent } from "../src/index.ts"
import { waitFor } from "./helpers/sse-server.ts"
import { type FakeTetherServer, startTetherServer } from "./helpers/tether-server.ts"

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(): Promise<FakeTetherServer> {
  const started = await startTetherServer({ heartbeatMs: 1000 })
  cleanups.push(() => started.stop())
  return started
}

describe("shareAcrossTabs without Web Locks", () => {
  test("this runtime lacks what sharing needs", () => {
    expect((globalThis.navigator as { locks?: unknown } | undefined)?.locks).toBeUndefined()
  })

  test("each subscription has its own stream, role single, and receives every event", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url, shareAcrossTabs: true })
    const tabs = [0, 1].map(() => {
      const events: TetherEvent[] = []
      const statuses: SubscriptionStatus[] = []
      const subscription = client.global.event.subscribe({
        onEvent: (event) => events.push(event),
        onStatus: (status) => statuses.push(status),
      })
      cleanups.push(() => subscription.close())
      return { subscription, events, statuses }
    })
    await waitFor("two open streams", () => srv.openStreams() === 2)
    await waitFor("both open", () => tabs.every((tab) => tab.subscription.status().state === "open"))
    const published = [srv.publish("a"), srv.publish("b")].map((event) => event.id)
    await waitFor("both events in both", () =>
      tabs.every((tab) => tab.events.filter((event) => event.id !== "").length === 2),
    )
    for (const tab of tabs) {
      expect(tab.events.filter((event) => event.id !== "").map((event) => event.id)).toEqual(published)
      expect(tab.subscription.status().role).toBe("single")
      expect(tab.statuses.every((status) => status.role === "single")).toBe(true)
    }
    tabs[0]?.subscription.close()
    await waitFor("one stream left", () => srv.openStreams() === 1)
    expect(tabs[0]?.subscription.status()).toMatchObject({ state: "closed", role: "single" })
  })

  test("stream() falls back too", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url, shareAcrossTabs: true })
    const seen: string[] = []
    const iterator = client.global.event.stream()
    const first = await iterator.next()
    expect(first.value?.type).toBe("server.connected")
    srv.publish("one")
    for await (const event of iterator) {
      seen.push(event.type)
      if (event.type === "one") break
    }
    expect(seen.at(-1)).toBe("one")
    await waitFor("the stream closed", () => srv.openStreams() === 0)
  })

  test("a shareAcrossTabs that is not a boolean is refused, naming the value", () => {
    expect(() =>
      createTetherClient({ baseUrl: "http://127.0.0.1:1", shareAcrossTabs: "yes" as never }),
    ).toThrow('shareAcrossTabs must be true or false, got "yes"')
  })

  test("without the option the status has no role", async () => {
    const srv = await server()
    const client = createTetherClient({ baseUrl: srv.url })
    const subscription = client.global.event.subscribe({ onEvent: () => {} })
    cleanups.push(() => subscription.close())
    await waitFor("open", () => subscription.status().state === "open")
    expect(subscription.status().role).toBeUndefined()
  })
})
