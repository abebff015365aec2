/**
 * The app in a real Chromium against a real `tether serve` that serves the built app: the connection's
 * true state through a crash and a restart, every event once and in order, and the heartbeat edited
 * live from `/settings`. Screenshots of each state land in `test-results/` (gitignored).
 *
 * The tests run in order and share one server, one data dir and one page, like a person would.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import {
  axeViolations,
  buildApp,
  launchBrowser,
  makeWorkspace,
  publish,
  RESULTS_DIR,
  type RunningServer,
  startServer,
  waitFor,
} from "./harness.ts"

const HEARTBEAT_PATH = "server.event_stream.heartbeat_ms"

let workspace: ReturnType<typeof makeWorkspace>
let server: RunningServer | undefined
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
let page: Page
let port = 0
const published: { id: string; type: string }[] = []

const serveArgs = () => [
  "--port",
  String(port),
  "--hostname",
  "127.0.0.1",
  "--data-dir",
  workspace.dataDir,
  "--config",
  workspace.configPath,
]

/** The server of the resync test and after: the same port and config on a second, fresh data dir. */
const freshServeArgs = () => [
  "--port",
  String(port),
  "--data-dir",
  join(workspace.dir, "fresh-data"),
  "--config",
  workspace.configPath,
]

const screenshot = (name: string) =>
  page.screenshot({ path: join(RESULTS_DIR, `${name}.png`), fullPage: true })

const connectionState = () => page.getAttribute("[data-connection-state]", "data-connection-state")

/** The rows of the event log for the `e2e.` types, as rendered, in DOM order. */
const e2eRows = () =>
  page.$$eval("[data-event-type^='e2e.']", (rows) =>
    rows.map((row) => ({ id: row.getAttribute("data-event-id"), type: row.getAttribute("data-event-type") })),
  )

const reconnects = async () =>
  Number.parseInt((await page.textContent("[data-field='reconnects']")) ?? "", 10)

const waitForState = (state: string, timeoutMs: number) =>
  waitFor(
    async () => ((await connectionState()) === state ? true : undefined),
    timeoutMs,
    async () =>
      `connection state ${JSON.stringify(await connectionState())}, wanted ${state}\n${server?.output() ?? ""}`,
  )

/** Waits until the panel has measured a heartbeat cadence inside [min, max]. */
const waitForCadence = (min: number, max: number, timeoutMs: number) =>
  waitFor(
    async () => {
      const value = Number(await page.getAttribute("[data-connection-state]", "data-measured-cadence-ms"))
      return value >= min && value <= max ? value : undefined
    },
    timeoutMs,
    async () =>
      `measured cadence ${await page.getAttribute("[data-connection-state]", "data-measured-cadence-ms")}, wanted ${min}–${max}`,
  )

beforeAll(async () => {
  mkdirSync(RESULTS_DIR, { recursive: true })
  await buildApp()
  workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
  server = await startServer(serveArgs())
  port = server.port
  browser = await launchBrowser()
  page = browser.page
  page.on("pageerror", (error) => console.error("page error:", error))
})

afterAll(async () => {
  await browser?.close()
  await server?.stop("SIGKILL")
  workspace?.cleanup()
})

describe("the app against a real server", () => {
  test("shows the stream open, with heartbeats at the configured cadence", async () => {
    await page.goto(server?.url ?? "")
    await waitForState("open", 15_000)
    // Marks this document: if any later step reloaded the page, the marker would be gone.
    await page.evaluate(() => {
      ;(window as unknown as { __sameDocument: boolean }).__sameDocument = true
    })
    expect(await page.getAttribute("[data-connection-state]", "data-heartbeat-ms")).toBe("1000")
    await waitForCadence(700, 1400, 15_000)
    expect(await page.textContent("[data-field='server-version']")).toMatch(/v\d+\.\d+\.\d+/)
    expect(await page.textContent("[role='status']")).toContain("Open")
    await screenshot("01-open")
  })

  test("events published with fetch appear once each, in order", async () => {
    // Show only the events this test publishes, through the log's own filter.
    await page.fill("input[type='search']", "e2e.")
    for (let n = 1; n <= 3; n++)
      published.push({ id: await publish(server?.url ?? "", "e2e.first", { n }), type: "e2e.first" })
    const rows = await waitFor(
      async () => {
        const r = await e2eRows()
        return r.length >= 3 ? r : undefined
      },
      10_000,
      async () => `rows ${JSON.stringify(await e2eRows())}`,
    )
    expect(rows).toEqual(published)
    await screenshot("02-events")
  })

  test("a frozen server (SIGSTOP) is not shown as open: the stale watchdog turns it into reconnecting", async () => {
    const proc = server?.proc
    if (!proc) throw new Error("no server")
    const frozenAt = Date.now()
    proc.kill("SIGSTOP")
    try {
      // The socket stays open and silent: only the missing heartbeats (1000 ms, stale after 2.5×) tell.
      await waitForState("reconnecting", 20_000)
      // Not at once: the watchdog waits 2.5 heartbeats from the last frame, which came up to 1 s before the freeze.
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(1400)
      expect(await page.textContent("[data-field='heartbeat-age']")).toMatch(/\d(\.\d)? s ago/)
      await screenshot("03-stale")
    } finally {
      proc.kill("SIGCONT")
    }
    await waitForState("open", 45_000)
  })

  test("a killed server shows reconnecting with a countdown; nothing is lost or doubled across the restart", async () => {
    const url = server?.url ?? ""
    for (let n = 1; n <= 2; n++)
      published.push({ id: await publish(url, "e2e.before-kill", { n }), type: "e2e.before-kill" })
    // A crash, not a shutdown: no goodbye on the socket, no flush beyond what the server already did.
    await server?.stop("SIGKILL")

    await waitForState("reconnecting", 15_000)
    const retryIn = await waitFor(
      async () =>
        (await page.getAttribute("[data-retry-in]", "data-retry-in").catch(() => null)) ?? undefined,
      10_000,
      () => "no countdown shown",
    )
    expect(Number(retryIn)).toBeGreaterThanOrEqual(0)
    expect(await page.textContent("[data-connection-state] .countdown")).toMatch(/in \d+ s/)
    await screenshot("04-reconnecting")

    // Let the page fail a few attempts against the dead port before the server comes back.
    await Bun.sleep(2500)
    expect(await connectionState()).toBe("reconnecting")

    server = await startServer(serveArgs())
    expect(server.port).toBe(port)
    await waitForState("open", 45_000)
    for (let n = 1; n <= 2; n++) {
      published.push({ id: await publish(server.url, "e2e.after-restart", { n }), type: "e2e.after-restart" })
    }

    const rows = await waitFor(
      async () => {
        const r = await e2eRows()
        return r.length >= published.length ? r : undefined
      },
      15_000,
      async () => `rows ${JSON.stringify(await e2eRows())}, published ${JSON.stringify(published)}`,
    )
    expect(rows).toEqual(published)
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
    expect(await page.getAttribute("[data-duplicates]", "data-duplicates")).toBe("0")
    expect(await reconnects()).toBeGreaterThanOrEqual(1)
    await screenshot("05-after-restart")
  })

  test("changing heartbeat_ms on /settings changes the panel's cadence without a reload", async () => {
    const reconnectsBefore = await reconnects()
    await page.click("nav >> text=Settings")
    await page.waitForSelector("#heartbeat-ms")
    await waitFor(
      async () => ((await page.inputValue("#heartbeat-ms")) === "1000" ? true : undefined),
      10_000,
      async () => `heartbeat field shows ${await page.inputValue("#heartbeat-ms")}`,
    )
    await page.fill("#heartbeat-ms", "2000")
    await page.click("button[type='submit']")
    await page.waitForSelector("text=Saved.", { timeout: 10_000 })
    await screenshot("06-settings-saved")

    await page.click("nav >> text=Connection")
    await waitFor(
      async () =>
        (await page.getAttribute("[data-connection-state]", "data-heartbeat-ms")) === "2000"
          ? true
          : undefined,
      15_000,
      async () =>
        `panel heartbeat ${await page.getAttribute("[data-connection-state]", "data-heartbeat-ms")}`,
    )
    // The measured gap between heartbeats follows, on the same open stream.
    await waitForCadence(1600, 2600, 30_000)
    expect(await connectionState()).toBe("open")
    expect(
      await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
    ).toBe(true)
    // Same stream too: the new cadence reached the open connection, no reconnect was needed.
    expect(await reconnects()).toBe(reconnectsBefore)

    const config = (await (await fetch(`${server?.url}/global/config`)).json()) as {
      server: { event_stream: { heartbeat_ms: number } }
    }
    expect(config.server.event_stream.heartbeat_ms).toBe(2000)
    await screenshot("07-cadence-2s")
  })

  test("an invalid heartbeat shows the server's message at the field and changes nothing", async () => {
    await page.click("nav >> text=Settings")
    await page.fill("#heartbeat-ms", "500")
    await page.click("button[type='submit']")
    const error = await page.waitForSelector(`[data-field-error='${HEARTBEAT_PATH}']`, { timeout: 10_000 })
    const text = (await error.textContent()) ?? ""
    expect(text).toContain(HEARTBEAT_PATH)
    expect(text).toContain("1000")
    expect(text).toContain("60000")
    expect(text).toContain("500")
    expect(await page.getAttribute("#heartbeat-ms", "aria-invalid")).toBe("true")
    expect(await page.getAttribute("#heartbeat-ms", "aria-describedby")).toContain("heartbeat-ms-error")

    const config = (await (await fetch(`${server?.url}/global/config`)).json()) as {
      server: { event_stream: { heartbeat_ms: number } }
    }
    expect(config.server.event_stream.heartbeat_ms).toBe(2000)
    await screenshot("08-invalid")
  })

  test("a server restarted on an empty data dir sends server.resync: the app says so, refetches, and shows new events", async () => {
    await page.click("nav >> text=Connection")
    await waitForState("open", 10_000)
    await server?.stop("SIGKILL")
    await waitForState("reconnecting", 15_000)
    mkdirSync(join(workspace.dir, "fresh-data"))
    server = await startServer(freshServeArgs())
    await waitForState("open", 45_000)
    // Our Last-Event-ID is unknown to the new log: the server says so, and the panel shows it.
    await page.waitForSelector("[data-field='reconnects'] .warn", { timeout: 10_000 })
    expect(await page.textContent("[data-field='reconnects']")).toContain("1 resync")
    expect(await page.$$eval("[data-event-type='server.resync']", (rows) => rows.length)).toBe(0) // filtered to e2e.

    // The new log's ids start over; they are new events, not duplicates.
    const fresh = [
      await publish(server.url, "e2e.fresh", { n: 1 }),
      await publish(server.url, "e2e.fresh", { n: 2 }),
    ]
    const rows = await waitFor(
      async () => {
        const r = await page.$$eval("[data-event-type='e2e.fresh']", (els) =>
          els.map((el) => el.getAttribute("data-event-id")),
        )
        return r.length >= 2 ? r : undefined
      },
      10_000,
      () => "the fresh events never appeared",
    )
    expect(rows).toEqual(fresh)
    expect(await page.getAttribute("[data-duplicates]", "data-duplicates")).toBe("0")
    // And the server version was refetched from the new process.
    expect(await page.textContent("[data-field='server-version']")).toMatch(/v\d+\.\d+\.\d+/)
    await screenshot("09-resync")
  })

  test("back online, or visible again, it reconnects at once instead of waiting out the backoff", async () => {
    const context = browser?.context
    if (!context) throw new Error("no browser")
    const retryIn = async () =>
      Number((await page.getAttribute("[data-retry-in]", "data-retry-in").catch(() => null)) ?? Number.NaN)
    const wakes: Record<string, () => Promise<void>> = {
      // Chromium's network emulation fires the real `offline` and `online` events.
      online: async () => {
        await context.setOffline(true)
        await context.setOffline(false)
      },
      // Headless Chromium keeps every tab visible (switching tabs or minimising does not hide it), so
      // the page's visibility is emulated on the real document: hidden, then visible again, each with
      // the real `visibilitychange` event the SDK listens for.
      visible: async () => {
        for (const state of ["hidden", "visible"]) {
          await page.evaluate((value) => {
            Object.defineProperty(document, "visibilityState", { configurable: true, get: () => value })
            document.dispatchEvent(new Event("visibilitychange"))
          }, state)
        }
      },
    }
    await page.click("nav >> text=Connection")
    for (const [name, wake] of Object.entries(wakes)) {
      await waitForState("open", 15_000)
      await server?.stop("SIGKILL")
      // Fail against the dead port until the backoff has grown: the next try is 12 s away or more. The
      // delays are 500 ms · 2^(n-1) ± 25 % (cap 30 s), so that is attempt 6 (12–20 s; attempt 5 tops out at
      // 10 s), reached 11.6–19.4 s after the kill. It leaves 8 s for startServer on 2 busy cores before the
      // next try is under the 4 s asserted below. Only a countdown first read more than 1 s late (12.0 s
      // shown as 11) waits on for attempt 7 (22.5–37.5 s): the timeout covers that.
      await waitFor(
        async () => ((await retryIn()) >= 12 ? true : undefined),
        60_000,
        async () => `next try in ${await retryIn()} s, wanted at least 12 s`,
      )
      server = await startServer(freshServeArgs())
      const due = await retryIn()
      expect(await connectionState()).toBe("reconnecting")
      // Still well before the scheduled try, or the test could not tell a wake-up from the timer.
      expect(due).toBeGreaterThanOrEqual(4)
      const wokeAt = Date.now()
      await wake()
      await waitForState("open", 30_000)
      const tookMs = Date.now() - wokeAt
      console.log(`wake by ${name}: open after ${tookMs} ms; the backoff's next try was ${due} s away`)
      expect(tookMs, `${name}: open after ${tookMs} ms, the timer was due in ${due} s`).toBeLessThan(
        (due - 2) * 1000,
      )
    }
    await screenshot("10-woken")
  })

  test("passes axe-core's WCAG 2.1 A/AA checks on both pages", async () => {
    await page.click("nav >> text=Connection")
    await waitForState("open", 10_000)
    await page.click("[data-event-type^='e2e.']") // a selected row and its details are part of the page
    expect(await axeViolations(page)).toEqual([])
    await page.click("nav >> text=Settings")
    await page.fill("#heartbeat-ms", "60001")
    await page.click("form[data-form='heartbeat'] button[type='submit']")
    await page.waitForSelector("[data-field-error]", { timeout: 10_000 })
    expect(await axeViolations(page)).toEqual([])
    // And in dark mode.
    await page.emulateMedia({ colorScheme: "dark" })
    try {
      expect(await axeViolations(page)).toEqual([])
      await page.click("nav >> text=Connection")
      await waitForState("open", 10_000)
      expect(await axeViolations(page)).toEqual([])
      await screenshot("11-dark")
    } finally {
      await page.emulateMedia({ colorScheme: "light" })
    }
  })

  test("fits a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.click("nav >> text=Connection")
    await waitForState("open", 10_000)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await screenshot("12-phone")
  })
})
