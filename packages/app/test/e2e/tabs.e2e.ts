/**
 * Many tabs, one stream (DESIGN.md "Many tabs"): tabs of the built app in one real Chromium against a real
 * server process, whose open event-stream count the test reads from outside the browser (the server
 * prints it: `test/fixtures/counted-server.ts`).
 *
 * The first three tests run in order on the same tabs and server, like a person would: 10 tabs share one
 * stream; the holder closes mid-publish; the server is killed and restarted under 5 tabs. The last one
 * drives the real SDK in plain pages of the same origin, without and then with `shareAcrossTabs`, to
 * show the starvation the option prevents.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { join } from "node:path"
import type { Page } from "playwright-core"
import {
  APP_DIR,
  buildApp,
  launchBrowser,
  makeWorkspace,
  publish,
  type RunningServer,
  startServer,
  waitFor,
} from "./harness.ts"

const COUNTED_SERVER = join(APP_DIR, "test/fixtures/counted-server.ts")
const TYPE = "e2e.tabs"

let workspace: ReturnType<typeof makeWorkspace>
let server: RunningServer | undefined
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
let sdkBundle = ""
let port = 0
let tabs: Page[] = []
const published: string[] = []

const serve = async () => {
  server = await startServer(
    ["--port", String(port), "--data-dir", workspace.dataDir, "--config", workspace.configPath],
    { command: [COUNTED_SERVER] },
  )
  port = server.port
  return server
}

/** The server's open event streams, as it last printed them, and the most it printed since `from` (an output offset). */
const streams = (from = 0) => {
  const counts = [...(server?.output() ?? "").slice(from).matchAll(/^streams (\d+)$/gm)].map((m) =>
    Number(m[1]),
  )
  return { now: counts.at(-1) ?? 0, max: Math.max(0, ...counts) }
}
const waitForStreams = (count: number) =>
  waitFor(
    async () => (streams().now === count ? true : undefined),
    5000,
    async () => `streams ${JSON.stringify(streams())}, wanted ${count}`,
  )
const outputMark = () => server?.output().length ?? 0

const attr = (page: Page, name: string) => page.getAttribute("[data-connection-state]", name)
const roles = async (pages: Page[]) => Promise.all(pages.map((page) => attr(page, "data-stream-role")))
const states = async (pages: Page[]) => Promise.all(pages.map((page) => attr(page, "data-connection-state")))
const rows = (page: Page) =>
  page.$$eval(`[data-event-type^='${TYPE}']`, (found) =>
    found.map((row) => row.getAttribute("data-event-id")),
  )

const openAppTabs = async (count: number): Promise<Page[]> => {
  const context = browser?.context
  if (!context) throw new Error("no browser")
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()))
  for (const page of pages) {
    page.on("pageerror", (error) => console.error("page error:", error))
    await page.goto(server?.url ?? "")
    await page.fill("input[type='search']", TYPE)
  }
  return pages
}

const waitForAll = (pages: Page[], state: string, timeoutMs: number) =>
  waitFor(
    async () => ((await states(pages)).every((s) => s === state) ? true : undefined),
    timeoutMs,
    async () =>
      `states ${JSON.stringify(await states(pages))}, wanted all ${state}\n${server?.output() ?? ""}`,
  )

/** Waits until exactly one tab holds the stream and all the others follow it. */
const waitForOneHolder = (pages: Page[], timeoutMs: number) =>
  waitFor(
    async () => {
      const now = await roles(pages)
      const holders = now.filter((r) => r === "holder").length
      return holders === 1 && now.filter((r) => r === "follower").length === pages.length - 1
        ? pages[now.indexOf("holder")]
        : undefined
    },
    timeoutMs,
    async () => `roles ${JSON.stringify(await roles(pages))}`,
  )

/** A former holder running again follows, and every tab has every event, one published now included. */
const expectFollowsAndCatchesUp = async (former: Page, n: number) => {
  await waitForOneHolder(tabs, 10_000)
  expect(await attr(former, "data-stream-role")).toBe("follower")
  await publishTabsEvent(n)
  await expectEveryTabHasAll(tabs)
  await waitForStreams(1)
}

/** Waits until one of `pages` holds the stream; logs and returns how long after `since` that was. */
const msUntilAnotherHolds = async (pages: Page[], since: number, after: string): Promise<number> => {
  await waitFor(
    async () => ((await roles(pages)).includes("holder") ? true : undefined),
    10_000,
    async () => `roles ${JSON.stringify(await roles(pages))}`,
  )
  const ms = Date.now() - since
  console.log(`a new holder within ${ms} ms of ${after}`)
  return ms
}

/** Every tab shows exactly `published`, in order. */
const expectEveryTabHasAll = async (pages: Page[]) => {
  await waitFor(
    async () => {
      const all = await Promise.all(pages.map(rows))
      return all.every((r) => r.length >= published.length) ? true : undefined
    },
    15_000,
    async () => `rows ${JSON.stringify(await Promise.all(pages.map(rows)))}, wanted ${published.length}`,
  )
  for (const page of pages) expect(await rows(page)).toEqual(published)
  // The server never lost an id here, so a resync could only come from the relay failing to replay.
  for (const page of pages)
    expect(await page.textContent("[data-field='reconnects']")).not.toContain("resync")
}

/** How long `GET /global/config` takes from inside the page, or `timeout` after `limitMs`. */
const configTime = (page: Page, limitMs: number) =>
  page.evaluate(async (limit) => {
    const started = performance.now()
    try {
      const response = await fetch("/global/config", { signal: AbortSignal.timeout(limit) })
      await response.json()
      return Math.round(performance.now() - started)
    } catch {
      return "timeout" as const
    }
  }, limitMs)

const publishTabsEvent = async (n: number) => {
  published.push(await publish(server?.url ?? "", TYPE, { n }))
}

beforeAll(async () => {
  await buildApp()
  const built = await Bun.build({
    entrypoints: [join(APP_DIR, "test/fixtures/sdk-global.ts")],
    conditions: ["@tether/source"],
    target: "browser",
    format: "esm",
  })
  if (!built.success) throw new Error(`bundling the SDK failed: ${built.logs.join("\n")}`)
  sdkBundle = (await built.outputs[0]?.text()) ?? ""
  workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
  await serve()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop("SIGKILL")
  workspace?.cleanup()
})

describe("many tabs of the app share one event stream", () => {
  test("10 tabs: the server holds exactly 1 stream, every tab shows every event, API calls answer promptly", async () => {
    const mark = outputMark()
    tabs = await openAppTabs(10)
    await waitForAll(tabs, "open", 30_000)
    await waitForOneHolder(tabs, 10_000)
    // Let a straggler that would open a second stream show itself.
    await Bun.sleep(1000)
    expect(streams(mark)).toEqual({ now: 1, max: 1 })

    for (let n = 1; n <= 5; n++) await publishTabsEvent(n)
    await expectEveryTabHasAll(tabs)

    const times = await Promise.all(tabs.map((page) => configTime(page, 5000)))
    console.log(`GET /global/config from 10 sharing tabs (ms): ${times.join(", ")}`)
    for (const time of times) expect(time).not.toBe("timeout")
    for (const time of times) expect(time as number).toBeLessThan(2000)
    expect(streams(mark)).toEqual({ now: 1, max: 1 })
  })

  test("closing the holding tab while events are published: another holds within ~1 s, every tab has every event once, in order", async () => {
    const holder = await waitForOneHolder(tabs, 5000)
    const rest = tabs.filter((page) => page !== holder)
    let closedAt = 0
    const publishing = (async () => {
      for (let n = 6; n <= 17; n++) {
        await publishTabsEvent(n)
        if (n === 9) {
          closedAt = Date.now()
          void holder.close()
        }
        await Bun.sleep(100)
      }
    })()
    const next = await waitFor(
      async () => (closedAt > 0 ? (await roles(rest)).indexOf("holder") : -1) >= 0 || undefined,
      10_000,
      async () => `roles ${JSON.stringify(await roles(rest))}`,
    )
    const tookOverMs = Date.now() - closedAt
    console.log(`a new holder within ${tookOverMs} ms of closing the old one (as seen through the DOM)`)
    expect(next).toBe(true)
    expect(tookOverMs).toBeLessThan(1500)
    await publishing
    tabs = rest
    await waitForOneHolder(tabs, 5000)
    await expectEveryTabHasAll(tabs)
    await waitForStreams(1)
  })

  test("a frozen holder (its main thread stops, with no freeze event) loses the stream within ~1 s; running again, it follows and catches up", async () => {
    const holder = await waitForOneHolder(tabs, 5000)
    const rest = tabs.filter((page) => page !== holder)
    // What a frozen or hung tab looks like to the others: it answers nothing, its timers do not run.
    // (Chromium's own freezing fires `freeze` first, and the SDK then hands over at once; headless
    // Chromium never hides a page, so it cannot be frozen that way here.)
    const frozenAt = Date.now()
    const hang = holder.evaluate(() => {
      const until = Date.now() + 4000
      while (Date.now() < until) {
        // busy: the page's event loop is stuck here
      }
    })
    const tookOverMs = await msUntilAnotherHolds(rest, frozenAt, "the old one freezing")
    expect(tookOverMs).toBeLessThan(2000)
    await publishTabsEvent(100)
    await publishTabsEvent(101)
    await expectEveryTabHasAll(rest)
    await hang
    // Running again, it finds its lock taken, closes its stream, and follows with what it missed.
    await expectFollowsAndCatchesUp(holder, 102)
  })

  test("a holder told it is about to be frozen (the freeze event) hands over at once, and follows when resumed", async () => {
    const holder = await waitForOneHolder(tabs, 5000)
    const rest = tabs.filter((page) => page !== holder)
    // Headless Chromium cannot freeze a visible page (above), so the page gets the events Chromium sends
    // before and after freezing one; everything they set off (the lock, the relay, the catch-up) is real.
    const frozenAt = Date.now()
    await holder.evaluate(() => document.dispatchEvent(new Event("freeze")))
    const tookOverMs = await msUntilAnotherHolds(rest, frozenAt, "the freeze event")
    expect(tookOverMs).toBeLessThan(1000)
    await publishTabsEvent(200)
    await expectEveryTabHasAll(rest)
    await holder.evaluate(() => document.dispatchEvent(new Event("resume")))
    await expectFollowsAndCatchesUp(holder, 201)
  })

  test("the holding tab crashes: another holds within ~1 s and no event is missed or repeated", async () => {
    const holder = await waitForOneHolder(tabs, 5000)
    const rest = tabs.filter((page) => page !== holder)
    const cdp = await holder.context().newCDPSession(holder)
    const crashedAt = Date.now()
    void cdp.send("Page.crash").catch(() => {})
    await publishTabsEvent(300)
    const tookOverMs = await msUntilAnotherHolds(rest, crashedAt, "the holder's crash")
    expect(tookOverMs).toBeLessThan(1500)
    await publishTabsEvent(301)
    tabs = rest
    await expectEveryTabHasAll(tabs)
    await waitForStreams(1)
  })

  test("server killed under 5 sharing tabs and restarted on the same port: all reconnect through one holder, nothing lost", async () => {
    for (const page of tabs.splice(5)) await page.close()
    await waitForOneHolder(tabs, 5000)
    await publishTabsEvent(18)
    await expectEveryTabHasAll(tabs)

    await server?.stop("SIGKILL")
    await waitForAll(tabs, "reconnecting", 15_000)
    // A new process: its output, and so its stream counts, start afresh.
    await serve()
    await publishTabsEvent(19)
    await publishTabsEvent(20)
    await waitForAll(tabs, "open", 30_000)
    await waitForOneHolder(tabs, 5000)
    await expectEveryTabHasAll(tabs)
    await Bun.sleep(500)
    expect(streams()).toEqual({ now: 1, max: 1 })
  })
})

describe("the starvation sharing prevents", () => {
  /** Plain pages of the server's origin running the real SDK (not the app, which would share). */
  const openSdkPages = async (count: number): Promise<Page[]> => {
    const context = browser?.context
    if (!context) throw new Error("no browser")
    const pages: Page[] = []
    for (let i = 0; i < count; i++) {
      const page = await context.newPage()
      await page.goto(`${server?.url}/global/health`)
      await page.addScriptTag({ content: sdkBundle, type: "module" })
      await page.waitForFunction(() => "tetherSdk" in window)
      pages.push(page)
    }
    return pages
  }
  const subscribe = (page: Page, share: boolean, password?: string) =>
    page.evaluate(
      ({ shareAcrossTabs, password }) => {
        const scope = window as unknown as {
          tetherSdk: typeof import("@tether/sdk")
          state?: string
          role?: string
          subscription?: { close(): void }
        }
        scope.subscription?.close()
        // The closed subscription's last status is its own; this one's roles are read once it reports.
        scope.state = undefined
        scope.role = undefined
        const client = scope.tetherSdk.createTetherClient({
          baseUrl: location.origin,
          shareAcrossTabs,
          ...(password ? { password } : {}),
        })
        scope.subscription = client.global.event.subscribe({
          onEvent: () => {},
          onStatus: (status) => {
            scope.state = status.state
            scope.role = status.role ?? "none"
          },
        })
      },
      { shareAcrossTabs: share, password },
    )
  const pageStates = (pages: Page[]) =>
    Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { state?: string }).state)))
  const pageRoles = (pages: Page[]) =>
    Promise.all(pages.map((page) => page.evaluate(() => (window as unknown as { role?: string }).role)))

  test("8 tabs without the option: 6 streams, the 7th and 8th never connect and API calls queue; with it, 1 stream for all, and another password is another group", async () => {
    for (const page of tabs.splice(0)) await page.close()
    await waitForStreams(0)
    const pages = await openSdkPages(8)

    for (const page of pages) await subscribe(page, false)
    await waitFor(
      async () => ((await pageStates(pages)).filter((s) => s === "open").length === 6 ? true : undefined),
      15_000,
      async () => `states ${JSON.stringify(await pageStates(pages))}`,
    )
    // Chromium's 6 connections per origin are all held by streams: the others wait, and so does any call.
    await Bun.sleep(2000)
    const starved = await pageStates(pages)
    expect(starved.filter((s) => s === "open")).toHaveLength(6)
    expect(starved.filter((s) => s === "connecting")).toHaveLength(2)
    expect(streams().now).toBe(6)
    expect(await configTime(pages[0] as Page, 3000)).toBe("timeout")

    for (const page of pages) await subscribe(page, true)
    await waitFor(
      async () => ((await pageStates(pages)).every((s) => s === "open") ? true : undefined),
      15_000,
      async () => `states ${JSON.stringify(await pageStates(pages))}`,
    )
    const shared = await pageRoles(pages)
    expect(shared.filter((r) => r === "holder")).toHaveLength(1)
    expect(shared.filter((r) => r === "follower")).toHaveLength(7)
    await waitForStreams(1)
    const time = await configTime(pages[7] as Page, 5000)
    console.log(`GET /global/config beside 8 sharing tabs: ${time} ms (without sharing: no answer in 3 s)`)
    expect(time).not.toBe("timeout")
    expect(time as number).toBeLessThan(2000)

    // Another password is another group (this server has none, so it lets both in): two tabs that
    // switch to it share a second stream between them, never the first group's.
    for (const page of pages.slice(0, 2)) await subscribe(page, true, "another-password")
    await waitForStreams(2)
    await waitFor(
      async () => ((await pageStates(pages.slice(0, 2))).every((s) => s === "open") ? true : undefined),
      15_000,
      async () => `states ${JSON.stringify(await pageStates(pages))}`,
    )
    const roles = await pageRoles(pages)
    expect(roles.slice(0, 2).sort()).toEqual(["follower", "holder"])
    expect(roles.slice(2).filter((r) => r === "holder")).toHaveLength(1)
  })
})
