/**
 * `bun run start` with real processes: relative flags typed in a sub-folder are taken from there, and
 * no server outlives its launcher, whether the `bun run` wrapper or `scripts/start.ts` itself is SIGKILLed.
 */
import { afterAll, afterEach, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import {
  answers,
  killRunning,
  launchUntilListening,
  waitGone,
} from "../packages/server/test/helpers/process-tree.ts"

const root = resolve(import.meta.dir, "..")
// Inside the repository (a sub-folder the user stands in), under the git-ignored `.tether/`.
mkdirSync(join(root, ".tether"), { recursive: true })
const here = mkdtempSync(join(root, ".tether", "start-test-"))
writeFileSync(join(here, "here.jsonc"), JSON.stringify({ server: { event_stream: { heartbeat_ms: 4321 } } }))
const started: number[] = []

afterEach(() => killRunning(started.splice(0)))
afterAll(() => rmSync(here, { recursive: true, force: true }))

const start = async () => {
  const launched = await launchUntilListening(
    [process.execPath, "run", "start", "--port", "0", "--event-log", "memory", "--config", "here.jsonc"],
    {
      cwd: here,
      env: {
        npm_lifecycle_event: "",
        INIT_CWD: "",
        XDG_CONFIG_HOME: join(here, "xdg-config"),
        XDG_DATA_HOME: join(here, "xdg-data"),
      },
      timeoutMs: 120_000,
    },
  )
  started.push(launched.proc.pid, ...launched.below)
  return launched
}

test("a relative --config typed in a sub-folder is read from there; SIGKILL of bun run stops everything", async () => {
  const { proc, url, below } = await start()
  const config = (await (await fetch(`${url}/global/config`)).json()) as {
    server: { event_stream: { heartbeat_ms: number } }
  }
  expect(config.server.event_stream.heartbeat_ms).toBe(4321)
  // bun run → start.ts → tether serve
  expect(below.length).toBeGreaterThanOrEqual(2)
  proc.kill("SIGKILL")
  await proc.exited
  expect(await waitGone(below, 10_000)).toEqual([])
  expect(await answers(`${url}/global/health`)).toBe("refused")
}, 150_000)

test("SIGKILL of scripts/start.ts itself: the server notices and stops", async () => {
  const { url, below } = await start()
  const [script, ...rest] = below
  expect(rest.length).toBeGreaterThanOrEqual(1)
  process.kill(script as number, "SIGKILL")
  expect(await waitGone(rest, 10_000)).toEqual([])
  expect(await answers(`${url}/global/health`)).toBe("refused")
}, 150_000)
