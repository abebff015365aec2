/**
 * `bun run start [serve flags]` (the root `scripts/start.ts`): builds the app, runs `tether serve` with
 * the flags given, serves the app at `/` on that one port, and ends with the server's exit code when
 * signalled.
 */
import { afterAll, expect, test } from "bun:test"
import { join } from "node:path"
import { makeWorkspace, REPO_DIR } from "./harness.ts"

const workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
let proc: Bun.Subprocess<"ignore", "pipe", "pipe"> | undefined

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGKILL")
    await proc.exited
  }
  workspace.cleanup()
})

test("builds the app, passes the flags to tether serve, serves the app at /, exits 0 on SIGTERM", async () => {
  proc = Bun.spawn(
    [
      process.execPath,
      join(REPO_DIR, "scripts/start.ts"),
      "--port",
      "0",
      "--data-dir",
      workspace.dataDir,
      "--config",
      workspace.configPath,
    ],
    { cwd: REPO_DIR, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  )
  let stdout = ""
  const decoder = new TextDecoder()
  const reader = proc.stdout.getReader()
  const deadline = Date.now() + 120_000
  while (!/tether listening on http:\/\/\S+/.test(stdout)) {
    if (Date.now() > deadline) throw new Error(`no "tether listening on" line within 120 s:\n${stdout}`)
    const { value, done } = await reader.read()
    if (done)
      throw new Error(`start exited before listening:\n${stdout}\n${await new Response(proc.stderr).text()}`)
    stdout += decoder.decode(value, { stream: true })
  }
  reader.releaseLock()
  // The build's output went to stderr: stdout holds only the server's line.
  expect(stdout.trim().split("\n")).toHaveLength(1)
  const url = /tether listening on (http:\/\/\S+)/.exec(stdout)?.[1] as string
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

  const page = await fetch(`${url}/`)
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('<div id="root">')
  const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1]
  expect(script).toBeDefined()
  expect((await fetch(`${url}${script}`)).status).toBe(200)
  // A client-side route gets the app too (the router decides), and the API is on the same port.
  expect(await (await fetch(`${url}/settings`)).text()).toContain('<div id="root">')
  const config = (await (await fetch(`${url}/global/config`)).json()) as {
    server: { event_stream: { heartbeat_ms: number } }
  }
  expect(config.server.event_stream.heartbeat_ms).toBe(1000)

  proc.kill("SIGTERM")
  expect(await proc.exited).toBe(0)
})
