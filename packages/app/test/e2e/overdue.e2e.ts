/**
 * Between the last heartbeat and the SDK's stale limit (2.5 heartbeats) the stream is still "open": a real
 * Chromium against a frozen `tether serve` shows that window as "overdue" instead of a plain, stale "open".
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import {
  buildApp,
  launchBrowser,
  makeWorkspace,
  RESULTS_DIR,
  type RunningServer,
  serveWorkspace,
  waitFor,
} from "./harness.ts"

let workspace: ReturnType<typeof makeWorkspace>
let server: RunningServer | undefined
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined

beforeAll(async () => {
  mkdirSync(RESULTS_DIR, { recursive: true })
  await buildApp()
  // 2 s heartbeats: overdue after 3 s of silence, stale (reconnecting) after 5 s, a window wide enough to see.
  workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 2000 } } })
  server = await serveWorkspace(workspace)
  browser = await launchBrowser()
})

afterAll(async () => {
  if (server?.proc.exitCode === null) server.proc.kill("SIGCONT")
  await browser?.close()
  await server?.stop("SIGKILL")
  workspace?.cleanup()
})

test("a frozen server's missing heartbeat shows as overdue while the stream is still open, then reconnecting", async () => {
  const page = browser?.page
  if (!page || !server) throw new Error("not started")
  const panel = "[data-connection-state]"
  const read = async () => ({
    state: await page.getAttribute(panel, "data-connection-state"),
    late: await page.getAttribute(panel, "data-heartbeat-late"),
    age: await page.textContent("[data-field='heartbeat-age']"),
    reconnects: Number.parseInt((await page.textContent("[data-field='reconnects']")) ?? "", 10),
  })
  await page.goto(server.url)
  await waitFor(
    async () =>
      (await page.textContent("[data-field='heartbeat-age']"))?.endsWith("ago") ? true : undefined,
    15_000,
    async () => JSON.stringify(await read()),
  )
  const before = await read()
  expect(before).toMatchObject({ state: "open", late: "false" })
  expect(before.reconnects).toBeNumber()

  server.proc.kill("SIGSTOP")
  try {
    const overdue = await waitFor(
      async () => {
        const now = await read()
        return now.late === "true" ? now : undefined
      },
      10_000,
      async () => JSON.stringify(await read()),
    )
    // The SDK has not given up yet (its watchdog has not dropped the stream: no reconnect so far), and the
    // panel says what is wrong with it.
    expect(overdue.reconnects).toBe(before.reconnects)
    expect(overdue.age).toContain("overdue")
    await page.screenshot({ path: join(RESULTS_DIR, "overdue.png"), fullPage: true })

    const stale = await waitFor(
      async () => {
        const now = await read()
        return now.state === "reconnecting" ? now : undefined
      },
      15_000,
      async () => JSON.stringify(await read()),
    )
    // "Overdue" qualifies an open stream only; reconnecting says it all.
    expect(stale.late).toBe("false")
    expect(stale.reconnects).toBe(before.reconnects + 1)
  } finally {
    server.proc.kill("SIGCONT")
  }
  await waitFor(
    async () => {
      const now = await read()
      return now.state === "open" && now.late === "false" ? now : undefined
    },
    20_000,
    async () => JSON.stringify(await read()),
  )
})
