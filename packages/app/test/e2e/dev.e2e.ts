/**
 * The dev set-up (`bun run dev`): the app on Vite's dev server at :5173, proxying `/global/*` to a real
 * `tether serve` that runs with (a copy of) the repo's `tether.dev.jsonc`, whose `server.cors` lets the
 * Vite origin through the Access rules. The stream must pass the proxy live, not buffered.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import {
  APP_DIR,
  launchBrowser,
  makeWorkspace,
  publish,
  REPO_DIR,
  type RunningServer,
  startServer,
  waitFor,
} from "./harness.ts"

const VITE_URL = "http://localhost:5173"
const workspace = makeWorkspace({})
let server: RunningServer | undefined
let vite: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined
let viteOutput = ""
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
let page: Page

beforeAll(async () => {
  // PATCH writes to the config file in use: give the server a copy, never the repo's file.
  const config = join(workspace.dir, "tether.dev.jsonc")
  copyFileSync(join(REPO_DIR, "tether.dev.jsonc"), config)
  server = await startServer(["--port", "0", "--config", config, "--data-dir", workspace.dataDir])
  vite = Bun.spawn(["node", join(APP_DIR, "node_modules/vite/bin/vite.js"), "--logLevel", "warn"], {
    cwd: APP_DIR,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, TETHER_DEV_SERVER: server.url },
  })
  const decoder = new TextDecoder()
  for (const stream of [vite.stdout, vite.stderr]) {
    void (async () => {
      for await (const chunk of stream) viteOutput += decoder.decode(chunk, { stream: true })
    })()
  }
  await waitFor(
    async () => {
      if (vite?.exitCode !== null)
        throw new Error(`vite exited ${vite?.exitCode} (is :5173 taken?):\n${viteOutput}`)
      return (await fetch(VITE_URL).catch(() => undefined))?.ok ? true : undefined
    },
    60_000,
    () => `vite dev server not answering on ${VITE_URL}:\n${viteOutput}`,
  )
  browser = await launchBrowser()
  page = browser.page
})

afterAll(async () => {
  await browser?.close()
  vite?.kill("SIGTERM")
  await vite?.exited
  await server?.stop()
  workspace.cleanup()
})

test("the app on the Vite dev server streams through the proxy and calls the API within the Access rules", async () => {
  await page.goto(VITE_URL)
  await page.waitForSelector("[data-connection-state='open']", { timeout: 30_000 })

  // Live through the proxy: a published event shows up while the stream stays open (no buffering).
  const id = await publish(server?.url ?? "", "dev.live", { via: "curl" })
  await page.waitForSelector(`[data-event-id='${id}']`, { timeout: 5_000 })

  // The page's own POST carries Origin http://localhost:5173, which tether.dev.jsonc allows.
  await page.fill("#publish-type", "dev.form")
  await page.click("form:has(#publish-type) button[type='submit']")
  await page.waitForSelector("[data-event-type='dev.form']", { timeout: 10_000 })
  expect(await page.textContent("form:has(#publish-type) output")).toMatch(/^Published dev\.form as id \S+$/)

  // And PATCH, through the proxy to the server's copy of the dev config.
  await page.click("nav >> text=Settings")
  await page.fill("#heartbeat-ms", "1500")
  await page.click("form[data-form='heartbeat'] button[type='submit']")
  await page.waitForSelector("text=Saved.", { timeout: 10_000 })
  await page.click("nav >> text=Connection")
  await waitFor(
    async () =>
      (await page.getAttribute("[data-connection-state]", "data-heartbeat-ms")) === "1500" ? true : undefined,
    15_000,
    () => "the panel never reported the 1500 ms heartbeat",
  )
  expect(await page.getAttribute("[data-connection-state]", "data-connection-state")).toBe("open")
})
