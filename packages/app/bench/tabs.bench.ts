/**
 * What sharing one event stream among tabs saves, measured in Chromium: 10 tabs of one origin, each
 * running the real SDK (`createTetherClient().global.event.subscribe`), with and without `shareAcrossTabs`,
 * then 10 tabs of the built app (which shares). For each: the server's open streams (its own count), TCP
 * connections to its port (`ss`), tabs whose stream never opened, the server's RSS, Chromium's PSS (all its
 * processes) and the tabs' JS heap (CDP `Runtime.getHeapUsage`), after 100 events and 5 s of 1 s heartbeats.
 * Run: `bun --conditions=@tether/source bench/tabs.bench.ts` in packages/app (it builds the app first).
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Page } from "playwright-core"
import {
  APP_DIR,
  buildApp,
  launchBrowser,
  makeWorkspace,
  publish,
  startServer,
  waitFor,
} from "../test/e2e/harness.ts"

const TABS = 10
const COUNTED_SERVER = join(APP_DIR, "test/fixtures/counted-server.ts")

const rssKiB = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return match ? Number(match[1]) : 0
}

/**
 * The summed PSS of every process whose command line names `needle` (Chromium's profile dir): RSS would
 * count the memory its processes share once per process.
 */
const pssOfProcesses = (needle: string): number => {
  let total = 0
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) continue
      const rollup = readFileSync(`/proc/${entry}/smaps_rollup`, "utf8")
      total += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0)
    } catch {
      // The process ended meanwhile.
    }
  }
  return total
}

const tcpConnections = (port: number): number => {
  const out = Bun.spawnSync(["ss", "-Htn", "state", "established", `( sport = :${port} )`]).stdout.toString()
  return out.split("\n").filter((line) => line.trim() !== "").length
}

const bundleSdk = async (): Promise<string> => {
  const built = await Bun.build({
    entrypoints: [join(APP_DIR, "test/fixtures/sdk-global.ts")],
    conditions: ["@tether/source"],
    target: "browser",
    format: "esm",
  })
  if (!built.success) throw new Error(built.logs.join("\n"))
  return (await built.outputs[0]?.text()) ?? ""
}

type Mode = "sdk, shareAcrossTabs" | "sdk, a stream per tab" | "app (shares by default)"

const measure = async (mode: Mode, sdkBundle: string) => {
  const workspace = makeWorkspace({ server: { event_stream: { heartbeat_ms: 1000 } } })
  const server = await startServer(
    ["--port", "0", "--data-dir", workspace.dataDir, "--config", workspace.configPath],
    { command: [COUNTED_SERVER] },
  )
  const browser = await launchBrowser()
  try {
    const pages: Page[] = [browser.page]
    for (let i = 1; i < TABS; i++) pages.push(await browser.context.newPage())
    const app = mode === "app (shares by default)"
    for (const page of pages) {
      if (app) {
        await page.goto(server.url)
        continue
      }
      // Every page loads before any subscribes: without sharing, the 7th could not even load.
      await page.goto(`${server.url}/global/health`)
      await page.addScriptTag({ content: sdkBundle, type: "module" })
      await page.waitForFunction(() => "tetherSdk" in window)
    }
    for (const page of app ? [] : pages) {
      await page.evaluate((share) => {
        const scope = window as unknown as { tetherSdk: typeof import("@tether/sdk"); state?: string }
        const client = scope.tetherSdk.createTetherClient({
          baseUrl: location.origin,
          shareAcrossTabs: share,
        })
        client.global.event.subscribe({
          onEvent: () => {},
          onStatus: (status) => {
            scope.state = status.state
          },
        })
      }, mode === "sdk, shareAcrossTabs")
    }
    const state = (page: Page) =>
      app
        ? page.getAttribute("[data-connection-state]", "data-connection-state")
        : page.evaluate(() => (window as unknown as { state?: string }).state ?? "connecting")
    const expectedOpen = mode === "sdk, a stream per tab" ? 6 : TABS
    await waitFor(
      async () =>
        (await Promise.all(pages.map(state))).filter((s) => s === "open").length >= expectedOpen
          ? true
          : undefined,
      30_000,
      async () => `${mode}: ${JSON.stringify(await Promise.all(pages.map(state)))}`,
    )
    for (let n = 0; n < 100; n++) await publish(server.url, "bench.tabs", { n })
    await Bun.sleep(5000)
    let heap = 0
    for (const page of pages) {
      const cdp = await browser.context.newCDPSession(page)
      await cdp.send("HeapProfiler.collectGarbage")
      heap += ((await cdp.send("Runtime.getHeapUsage")) as { usedSize: number }).usedSize
      await cdp.detach()
    }
    const states = await Promise.all(pages.map(state))
    const streams = Number([...server.output().matchAll(/^streams (\d+)$/gm)].at(-1)?.[1] ?? 0)
    return {
      mode,
      streams,
      tcp: tcpConnections(server.port),
      waiting: states.filter((s) => s !== "open").length,
      serverRss: rssKiB(server.proc.pid),
      chromiumPss: pssOfProcesses(browser.profile),
      heap: heap / 1024,
    }
  } finally {
    await browser.close()
    await server.stop()
    workspace.cleanup()
  }
}

await buildApp()
const sdkBundle = await bundleSdk()
const rows = []
for (const mode of ["sdk, shareAcrossTabs", "sdk, a stream per tab", "app (shares by default)"] as const)
  rows.push(await measure(mode, sdkBundle))

const kib = (n: number) => Math.round(n).toLocaleString("en-US")
console.log(
  `${TABS} tabs of one origin in Chromium (${Bun.spawnSync(["/usr/bin/chromium", "--version"]).stdout.toString().trim()})\n`,
)
console.log(
  "| tabs run | server streams | TCP connections | tabs never connected | server RSS KiB | Chromium PSS KiB (all processes) | JS heap KiB (all tabs) |",
)
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for (const r of rows)
  console.log(
    `| ${r.mode} | ${r.streams} | ${r.tcp} | ${r.waiting} | ${kib(r.serverRss)} | ${kib(r.chromiumPss)} | ${kib(r.heap)} |`,
  )
