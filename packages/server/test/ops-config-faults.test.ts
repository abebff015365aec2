/**
 * The config file under faults, on a real `tether serve`: what sits at the config's path may become a
 * symlink to `/dev/zero`, a FIFO, a device, an empty or missing file, or a file someone edits by hand
 * while PATCHes run. None of it may grow memory without bound, hang a PATCH or the shutdown, turn the
 * file into defaults, replace a device, or lose a hand edit.
 */
import { afterEach, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Config } from "@tether/core"
import { type Running, run, stopAll } from "./fixtures/ops-process.ts"
import { deviceNode } from "./helpers/device-node.ts"
import { runCli } from "./helpers/server-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const ORIGINAL = `{
  // kept by hand: never lose this comment
  "server": {
    "cors": ["http://hand.test"],
    "event_stream": { "heartbeat_ms": 10000, "retention_events": 50 },
  },
}
`

const dirs: string[] = []
afterEach(async () => {
  await stopAll()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

interface Started {
  readonly dir: string
  readonly file: string
  readonly server: Running
  readonly base: string
}

const start = async (text = ORIGINAL): Promise<Started> => {
  const dir = mkdtempSync(join(tmpdir(), "tether-config-faults-"))
  dirs.push(dir)
  const file = join(dir, "tether.jsonc")
  writeFileSync(file, text)
  const server = run([MAIN, "serve", "--port", "0", "--config", file, "--data-dir", join(dir, "data")])
  const [, base] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  return { dir, file, server, base: base as string }
}

/** A PATCH that must answer within `ms`: a hang fails the test instead of hanging it. */
const patch = (base: string, body: unknown, ms = 8000): Promise<Response> =>
  fetch(`${base}/global/config`, {
    method: "PATCH",
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(ms),
  })

const effective = async (base: string): Promise<Config> =>
  (await (await fetch(`${base}/global/config`, { signal: AbortSignal.timeout(5000) })).json()) as Config

const errorOf = async (response: Response): Promise<{ name: string; message: string }> =>
  ((await response.json()) as { error: { name: string; message: string } }).error

/** Puts `make(temp)`'s result in place of `file` in one rename, as an attacker or a tool would. */
const replaceWith = (file: string, make: (temp: string) => void): void => {
  const temp = `${file}.swap`
  make(temp)
  renameSync(temp, file)
}

const mkfifo = (path: string): void => {
  const made = spawnSync("mkfifo", [path])
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`)
}

/** Resident memory of a process in MiB, from /proc. */
const rssMiB = (pid: number): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return Number(match?.[1] ?? 0) / 1024
}

test("a config swapped for a symlink to /dev/zero: the watcher and PATCH refuse it, memory stays flat", async () => {
  const { file, server, base } = await start()
  const pid = server.proc.pid
  const before = rssMiB(pid)
  replaceWith(file, (temp) => symlinkSync("/dev/zero", temp))
  // Sample memory for 3 s (the time it took to reach 2 GiB); stop at once past 300 MiB more.
  const deadline = Date.now() + 3000
  let peak = before
  while (Date.now() < deadline) {
    peak = Math.max(peak, rssMiB(pid))
    if (peak - before > 300) {
      // Growing without bound: stop it now rather than let it take the machine's memory.
      server.proc.kill("SIGKILL")
      break
    }
    await Bun.sleep(50)
  }
  console.log(`/dev/zero swap: RSS ${before.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB at most over 3 s`)
  expect(peak - before).toBeLessThan(300)
  const [line] = await server.waitFor("stderr", /Cannot read config file .*/, 5000)
  expect(line).toContain(`${file}: it is a symbolic link to /dev/zero, a character device`)

  const response = await patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } })
  expect(response.status).toBe(409)
  const error = await errorOf(response)
  expect(error.name).toBe("ConfigFileConflict")
  expect(error.message).toContain(`${file}: it is a symbolic link to /dev/zero, a character device`)
  expect(error.message).toContain("a config file must be a regular file")
  expect(rssMiB(pid) - before).toBeLessThan(300)
  expect((await effective(base)).server.event_stream.heartbeat_ms).toBe(10_000)
  expect(lstatSync(file).isSymbolicLink()).toBe(true)
}, 30_000)

test("a FIFO in place of the config: PATCH and the watcher refuse it at once, later PATCHes too, SIGTERM exits", async () => {
  const { file, server, base } = await start()
  replaceWith(file, mkfifo)
  const [line] = await server.waitFor("stderr", /Cannot read config file .*/, 5000)
  expect(line).toContain(`${file}: it is a FIFO (named pipe); a config file must be a regular file`)
  for (const heartbeat of [2000, 3000]) {
    const sentAt = performance.now()
    const response = await patch(base, { server: { event_stream: { heartbeat_ms: heartbeat } } }, 5000)
    console.log(`FIFO: PATCH answered ${response.status} in ${(performance.now() - sentAt).toFixed(1)} ms`)
    expect(response.status).toBe(409)
    expect((await errorOf(response)).message).toContain("it is a FIFO (named pipe)")
  }
  // Back to a regular file: the next PATCH works (nothing queued behind a blocked open).
  replaceWith(file, (temp) => writeFileSync(temp, ORIGINAL))
  const ok = await patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } }, 5000)
  expect(ok.status).toBe(200)
  expect(readFileSync(file, "utf8")).toContain("never lose this comment")
  replaceWith(file, mkfifo)
  expect((await patch(base, { server: { event_stream: { heartbeat_ms: 3000 } } }, 5000)).status).toBe(409)
  const startedAt = Date.now()
  server.proc.kill("SIGTERM")
  const exited = await Promise.race([server.proc.exited, Bun.sleep(8000).then(() => "hung" as const)])
  console.log(`FIFO: SIGTERM to exit ${Date.now() - startedAt} ms`)
  expect(exited).toBe(0)
  expect(Date.now() - startedAt).toBeLessThan(8000)
}, 40_000)

test("a FIFO config is refused by start and by `tether config validate`, named, without blocking", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-config-fifo-"))
  dirs.push(dir)
  const fifo = join(dir, "tether.jsonc")
  mkfifo(fifo)
  const validate = await runCli(["config", "validate", fifo], { timeoutMs: 10_000 })
  expect(validate.code).toBe(1)
  expect(validate.stderr).toContain(
    `Cannot read config file ${fifo} (given to tether config validate): it is a FIFO (named pipe); a config file must be a regular file`,
  )
  // Found by lookup in the working directory, not named: refused the same way.
  const serve = await runCli(["serve", "--port", "0", "--data-dir", join(dir, "data")], {
    cwd: dir,
    env: { TETHER_CONFIG: "", XDG_CONFIG_HOME: join(dir, "xdg") },
    timeoutMs: 10_000,
  })
  expect(serve.code).toBe(1)
  expect(serve.stderr).toContain(
    `Cannot read config file ${fifo} (found by lookup): it is a FIFO (named pipe)`,
  )
}, 30_000)

test("a PATCH onto a momentarily empty file waits for the editor's write and keeps every hand-written key", async () => {
  const { file, base } = await start()
  writeFileSync(file, "")
  const pending = patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } })
  await Bun.sleep(150)
  writeFileSync(file, ORIGINAL.replace('"http://hand.test"', '"http://hand.test", "http://saved.test"'))
  const response = await pending
  expect(response.status).toBe(200)
  const text = readFileSync(file, "utf8")
  expect(text).toContain("never lose this comment")
  expect(text).toContain('"http://saved.test"')
  expect(text).toContain('"heartbeat_ms": 2000')
  expect(text).toContain('"retention_events": 50')
  const config = await effective(base)
  expect(config.server.cors).toEqual(["http://hand.test", "http://saved.test"])
  expect(config.server.event_stream.retention_events).toBe(50)
}, 30_000)

test("a PATCH onto a file left empty or removed → 409 ConfigConflict; nothing rewritten from defaults", async () => {
  const { file, server, base } = await start()
  writeFileSync(file, "")
  // The watcher does not take the empty file for "every default".
  await server.waitFor("stderr", /is empty/, 5000)
  const empty = await patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } })
  expect(empty.status).toBe(409)
  const error = await errorOf(empty)
  expect(error.name).toBe("ConfigConflict")
  expect(error.message).toContain(`${file} is empty`)
  expect(readFileSync(file, "utf8")).toBe("")
  let config = await effective(base)
  expect(config.server.cors).toEqual(["http://hand.test"])
  expect(config.server.event_stream.retention_events).toBe(50)

  unlinkSync(file)
  const missing = await patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } })
  expect(missing.status).toBe(409)
  expect((await errorOf(missing)).message).toContain(`${file} does not exist`)
  expect(() => statSync(file)).toThrow()
  config = await effective(base)
  expect(config.server.event_stream).toMatchObject({ heartbeat_ms: 10_000, retention_events: 50 })
}, 30_000)

test("a config symlinked to a device node: PATCH refuses it and the device stays", async () => {
  const { dir, file, base } = await start()
  const device = deviceNode(dir)
  replaceWith(file, (temp) => symlinkSync(device, temp))
  const response = await patch(base, { server: { event_stream: { heartbeat_ms: 2000 } } })
  expect(response.status).toBe(409)
  expect((await errorOf(response)).message).toContain(
    `${file}: it is a symbolic link to ${device}, a character device; a config file must be a regular file`,
  )
  expect(statSync(device).isCharacterDevice()).toBe(true)
  expect(lstatSync(file).isSymbolicLink()).toBe(true)
}, 30_000)

test("a PATCH nested 100 000 levels deep → 400 ConfigInvalid, not 500", async () => {
  const { file, base } = await start()
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
  const response = await patch(base, `{"server":{"cors":${deep}}}`)
  expect(response.status).toBe(400)
  const body = (await response.json()) as { error: { name: string; issues: { path: string }[] } }
  expect(body.error.name).toBe("ConfigInvalid")
  expect(body.error.issues[0]?.path).toBe("server.cors.0")
  expect(readFileSync(file, "utf8")).toBe(ORIGINAL)
}, 30_000)
