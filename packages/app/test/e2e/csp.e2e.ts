/**
 * The app under the server's Content-Security-Policy, in a real Chromium against a real `tether serve`
 * serving the real build: every page and feature runs (stream open, event rows with their inline
 * transforms, a config saved through PATCH) with no `securitypolicyviolation` and no console error, and a
 * page of another site cannot frame it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import {
  buildApp,
  launchBrowser,
  makeWorkspace,
  publish,
  type RunningServer,
  serveWorkspace,
  waitFor,
} from "./harness.ts"

let workspace: ReturnType<typeof makeWorkspace>
let server: RunningServer | undefined
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
let site: ReturnType<typeof Bun.serve> | undefined

beforeAll(async () => {
  await buildApp()
  workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
  server = await serveWorkspace(workspace)
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  site?.stop(true)
  await server?.stop()
  workspace?.cleanup()
})

interface Violation {
  readonly directive: string
  readonly blocked: string
  readonly sample: string
}

test("the built app runs under its CSP with no violation and no console error", async () => {
  const page = browser?.page
  if (!page || !server) throw new Error("not started")
  const errors: string[] = []
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(String(error)))
  // Listening before any of the app's scripts run: a violation at load counts too.
  await page.addInitScript(() => {
    const seen: Violation[] = []
    ;(window as unknown as { __violations: Violation[] }).__violations = seen
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample })
    })
  })

  const response = await page.goto(`${server.url}/`)
  const csp = response?.headers()["content-security-policy"] ?? ""
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).toContain("script-src 'self'")
  expect(response?.headers()["x-frame-options"]).toBe("DENY")

  await page.waitForSelector("[data-connection-state='open']", { timeout: 15_000 })
  await page.fill("input[type='search']", "csp.")
  for (let n = 1; n <= 3; n++)
    await publish(server.url, "csp.row", { n, nested: { text: "<b>not markup</b>" } })
  await waitFor(
    async () => ((await page.$$("[data-event-type='csp.row']")).length >= 3 ? true : undefined),
    10_000,
    async () => `rows: ${(await page.$$("[data-event-type='csp.row']")).length}`,
  )
  // A row opened, if the log has a detail view, renders the event's JSON too.
  await page.click("[data-event-type='csp.row']").catch(() => {})

  // Settings: the form, and a save through PATCH (same-origin fetch with a body, Origin sent).
  await page.click("nav >> text=Settings")
  await page.waitForSelector("#heartbeat-ms")
  await page.fill("#heartbeat-ms", "1500")
  await page.click("button[type='submit']")
  await page.waitForSelector("text=Saved.", { timeout: 10_000 })
  await page.click("nav >> text=Connection")
  await page.waitForSelector("[data-connection-state='open']", { timeout: 15_000 })

  const violations = await page.evaluate(
    () => (window as unknown as { __violations: Violation[] }).__violations,
  )
  expect(violations).toEqual([])
  expect(errors).toEqual([])
})

test("a page of another site cannot frame the app", async () => {
  const page = browser?.page
  if (!page || !server) throw new Error("not started")
  const appUrl = `${server.url}/`
  // `localhost` is another site than `127.0.0.1` for the browser: this stands for any page on the web.
  site = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response(`<!doctype html><title>elsewhere</title><iframe id="victim" src="${appUrl}"></iframe>`, {
        headers: { "content-type": "text/html" },
      }),
  })
  await page.goto(`http://localhost:${site.port}/`)
  const frame = await waitFor(
    async () => page.frames().find((f) => f !== page.mainFrame()),
    10_000,
    () => "no child frame",
  )
  // Give a loaded app time to render; a blocked frame stays on Chromium's error page.
  await page.waitForTimeout(1500)
  const rendered = await frame
    .evaluate(() => document.querySelector("[data-connection-state]") !== null)
    .catch(() => false)
  expect(rendered).toBe(false)
  expect(frame.url()).not.toBe(appUrl)
})
