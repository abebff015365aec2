/**
 * The README's ```tsx example runs as written: it is written into `src/` (its imports are relative to it),
 * type-checked with the app's tsconfig, and imported into happy-dom (compiled by `solid-preload.ts`) as a page
 * served by a real `tether serve` on a free port, whose `#root` it renders into, as index.html provides.
 */
import { afterAll, expect, spyOn, test } from "bun:test"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { APP_DIR, makeWorkspace, type RunningServer, serveWorkspace } from "./e2e/harness.ts"

const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const blocks = [
  ...readFileSync(join(APP_DIR, "README.md"), "utf8").matchAll(/^```tsx\n([\s\S]*?)^```$/gm),
].map((match) => match[1] ?? "")

/** Polls `predicate` every 10 ms; fails with `what` after `timeoutMs`. */
const waitFor = async (what: string, predicate: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await Bun.sleep(10)
  }
}

test("the README has one tsx example: the context", () => {
  expect(blocks).toHaveLength(1)
  expect(blocks[0]).toContain("<ServerSdkProvider>")
})

const example = join(APP_DIR, "src", `.readme-context-${process.pid}.tsx`)
cleanups.push(() => rmSync(example, { force: true }))

test("the context example type-checks", () => {
  writeFileSync(example, blocks[0] ?? "")
  const tsconfig = join(APP_DIR, `.readme-tsconfig-${process.pid}.json`)
  cleanups.push(() => rmSync(tsconfig, { force: true }))
  writeFileSync(
    tsconfig,
    JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, include: [example] }),
  )
  const tscBin = join(dirname(Bun.resolveSync("typescript/package.json", APP_DIR)), "bin", "tsc")
  const tsc = Bun.spawnSync([process.execPath, tscBin, "-p", tsconfig])
  expect({ code: tsc.exitCode, output: `${tsc.stdout}${tsc.stderr}`.trim() }).toEqual({ code: 0, output: "" })
}, 60_000)

test("the context example runs against a real server: the state, the event count, the handler", async () => {
  const workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
  cleanups.push(() => workspace.cleanup())
  const server: RunningServer = await serveWorkspace(workspace)
  cleanups.push(() => server.stop())
  // The page is one the server serves, as with `bun run start`; other test files get theirs back.
  const page = (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM
  const previous = location.href
  page.setURL(`${server.url}/`)
  document.body.innerHTML = '<div id="root"></div>'
  cleanups.push(() => {
    document.body.innerHTML = ""
    page.setURL(previous)
  })
  const logged: unknown[][] = []
  const log = spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logged.push(args)
  })
  cleanups.push(() => log.mockRestore())
  // Closes the example's stream at the end, as leaving the page would.
  cleanups.push(() => window.dispatchEvent(new Event("pagehide")))

  writeFileSync(example, blocks[0] ?? "")
  await import(example)
  const text = () => document.getElementById("root")?.textContent ?? ""
  await waitFor("the panel shows the stream open", () => /^open, [1-9]\d* events$/.test(text()))
  const before = Number(/(\d+) events/.exec(text())?.[1])

  const published = await fetch(`${server.url}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "build.finished", properties: { ok: true } }),
  })
  expect(published.status).toBe(202)
  await waitFor("the handler logged the event", () => logged.length > 0)
  expect(logged).toEqual([[{ ok: true }]])
  await waitFor("the panel counts it", () => Number(/(\d+) events/.exec(text())?.[1]) > before)
  expect(text()).toStartWith("open, ")
}, 60_000)
