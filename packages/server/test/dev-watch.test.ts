/**
 * `bun run dev` runs the server under `bun --watch`, which restarts it when a source file changes.
 * The restarted server says so, naming the file, and starts at once on its data dir (the previous
 * run's data-dir lock went with it).
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { run, stopAll } from "./fixtures/ops-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const dir = mkdtempSync(join(tmpdir(), "tether-watch-"))
afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

test("a source change under --watch restarts the server, which logs that it restarted and why", async () => {
  const touched = join(dir, "touched.ts")
  writeFileSync(touched, "export const version = 1\n")
  const entry = join(dir, "entry.ts")
  writeFileSync(entry, `import "./touched.ts"\nimport ${JSON.stringify(MAIN)}\n`)
  const server = run(["--watch", entry, "serve", "--port", "0", "--data-dir", join(dir, "data")], {
    XDG_CONFIG_HOME: join(dir, "xdg"),
    TETHER_CONFIG: undefined,
  })
  await server.waitFor("stdout", /^tether listening on /, 20_000)
  expect(server.all("stderr", /restarted by bun --watch/)).toHaveLength(0)
  // mtime has a coarse resolution on some filesystems: leave a clear gap after the start.
  await Bun.sleep(1100)
  writeFileSync(touched, "export const version = 2\n")
  const [line] = await server.waitFor("stderr", /restarted by bun --watch: .*touched\.ts changed/, 20_000)
  expect(line).not.toContain("entry.ts")
  const deadline = Date.now() + 20_000
  while (server.all("stdout", /^tether listening on /).length < 2 && Date.now() < deadline)
    await Bun.sleep(50)
  expect(server.all("stdout", /^tether listening on /)).toHaveLength(2)
  expect(server.all("stderr", /in use/)).toHaveLength(0)
  await server.stop()
}, 60_000)
