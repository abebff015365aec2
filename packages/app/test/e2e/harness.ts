/**
 * What the browser tests run against: the app built by Vite, a real `tether serve` process (killed and
 * restarted on the same port and data dir), and Debian's Chromium driven by playwright-core.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"

export const APP_DIR = resolve(import.meta.dir, "../..")
export const REPO_DIR = resolve(APP_DIR, "../..")
export const RESULTS_DIR = join(APP_DIR, "test-results")
const SERVER_MAIN = join(REPO_DIR, "packages/server/src/cli/main.ts")

/** Builds the app into `dist/` (the server serves it at `/`). */
export const buildApp = async (): Promise<void> => {
  const proc = Bun.spawn([process.execPath, "run", "build"], { cwd: APP_DIR, stdout: "pipe", stderr: "pipe" })
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ])
  if (code !== 0) throw new Error(`vite build failed (exit ${code}):\n${out}\n${err}`)
}

/** A scratch directory with a config file and a data dir, removed by `cleanup()`. */
export const makeWorkspace = (config: unknown) => {
  const dir = mkdtempSync(join(tmpdir(), "tether-app-e2e-"))
  const dataDir = join(dir, "data")
  mkdirSync(dataDir)
  const configPath = join(dir, "tether.json")
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`)
  return { dir, dataDir, configPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">
  /** Everything the process wrote so far, for failure messages. */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `tether serve` and resolves once it prints `tether listening on http://HOST:PORT`. */
export const startServer = async (
  args: string[],
  {
    timeoutMs = 30_000,
    env = {},
    command = [SERVER_MAIN, "serve"],
  }: { timeoutMs?: number; env?: Record<string, string>; command?: string[] } = {},
): Promise<RunningServer> => {
  const proc = Bun.spawn([process.execPath, "--conditions=@tether/source", ...command, ...args], {
    cwd: REPO_DIR,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, TETHER_SERVER_PASSWORD: undefined, TETHER_CONFIG: undefined, ...env },
  })
  let output = ""
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true })
  }
  void pump(proc.stdout)
  void pump(proc.stderr)

  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = /tether listening on (http:\/\/[^\s]+?):(\d+)/.exec(output)
    if (match) {
      const port = Number(match[2])
      return {
        url: `${match[1]}:${port}`,
        port,
        proc,
        output: () => output,
        async stop(signal = "SIGTERM") {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
          return proc.exited
        },
      }
    }
    if (proc.exitCode !== null)
      throw new Error(`tether serve exited ${proc.exitCode} before listening:\n${output}`)
    if (Date.now() > deadline) {
      proc.kill("SIGKILL")
      throw new Error(`tether serve did not print its address within ${timeoutMs} ms:\n${output}`)
    }
    await Bun.sleep(50)
  }
}

/** `tether serve` on a free port with a workspace's data dir and config. */
export const serveWorkspace = (workspace: { dataDir: string; configPath: string }): Promise<RunningServer> =>
  startServer(["--port", "0", "--data-dir", workspace.dataDir, "--config", workspace.configPath])

/** Debian's Chromium with a fresh profile, as the team's rules ask. */
export const launchBrowser = async (): Promise<{
  context: BrowserContext
  page: Page
  /** The profile directory, also in every Chromium process's command line (to find them in `/proc`). */
  profile: string
  close(): Promise<void>
}> => {
  const profile = mkdtempSync(join(tmpdir(), "tether-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 900 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    profile,
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Publishes an event the way an integration does, and returns its id. */
export const publish = async (
  baseUrl: string,
  type: string,
  properties: Record<string, unknown>,
): Promise<string> => {
  const response = await fetch(`${baseUrl}/global/event`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type, properties }),
  })
  const body = (await response.json()) as { id?: string }
  if (response.status !== 202 || typeof body.id !== "string") {
    throw new Error(`POST /global/event answered ${response.status} ${JSON.stringify(body)}`)
  }
  return body.id
}

/** Polls `check` until it returns a value other than `undefined`, or fails with `describe()`. */
export const waitFor = async <T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string | Promise<string>,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`)
    await Bun.sleep(100)
  }
}

/** axe-core's WCAG 2 A/AA violations on the page, as `rule: target, …` lines (empty when clean). */
export const axeViolations = async (page: Page): Promise<string[]> => {
  // Evaluated through the DevTools protocol, not added as a <script>: the app's CSP (script-src 'self')
  // rightly blocks an inline script tag, and evaluation is not the page's own script loading.
  await page.evaluate(readFileSync(join(APP_DIR, "node_modules/axe-core/axe.min.js"), "utf8"))
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResults> } }).axe
    const results = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] },
    })
    return results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    )
  })
}

interface AxeResults {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[]
}
