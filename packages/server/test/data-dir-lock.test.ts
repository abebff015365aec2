/**
 * One server per data dir: a second `tether serve` on a data dir in use is refused at start (exit 1,
 * naming the dir, the other process and how to run several instances), and a server killed with
 * SIGKILL leaves no lock behind: the next start on its data dir listens at once, with its events.
 * (The supervisor's restart after a SIGKILL is exercised by ops-supervise.test.ts on a data dir too.)
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killAll, runCli, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-datadir-"))
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const env = { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: undefined }

test("a second server on a data dir in use is refused; after a SIGKILL the data dir restarts at once", async () => {
  const dataDir = join(dir, "data")
  const first = await startServe(["--port", "0", "--data-dir", dataDir], { env })
  const published = await fetch(`${first.url}/global/event`, {
    method: "POST",
    body: JSON.stringify({ type: "test.lock", properties: {} }),
  })
  const { id } = (await published.json()) as { id: string }

  const second = await runCli(["serve", "--port", "0", "--data-dir", dataDir], { env })
  expect(second.code).toBe(1)
  expect(second.stdout).not.toContain("listening")
  expect(second.stderr).toContain(`the data dir ${dataDir} is in use`)
  expect(second.stderr).toContain(`pid ${first.proc.pid}`)
  expect(second.stderr).toContain("--event-log redis --redis-url")
  // A memory log does not use the data dir: it may run beside.
  const beside = await startServe(["--port", "0", "--data-dir", dataDir, "--event-log", "memory"], { env })
  expect(await beside.stop()).toBe(0)

  await first.stop("SIGKILL")
  const started = performance.now()
  const restarted = await startServe(["--port", "0", "--data-dir", dataDir], { env })
  const tookMs = performance.now() - started
  console.log(`restart on the SIGKILLed server's data dir listened after ${Math.round(tookMs)} ms`)
  expect(restarted.stderr()).not.toContain("in use")
  // The previous server's event is there: same log, nothing lost.
  const stream = await connectSse(restarted.url, { lastEventId: "not-an-id" })
  const resync = await stream.until((event) => event.type === "server.resync")
  expect(resync.at(-1)?.properties.oldest).toBe(id)
  stream.close()
  expect(await restarted.stop()).toBe(0)
}, 60_000)
