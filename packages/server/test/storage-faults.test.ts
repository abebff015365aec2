/**
 * The SQLite log's files failing under a running `tether serve`: readiness must say so, nothing may be
 * acknowledged that a restart would lose, and a replay over damaged pages must end in `server.resync`
 * and go on live rather than die.
 *
 * - Disk full: a real 8 MiB tmpfs, mounted in a private mount namespace (`unshare --mount`, as root or
 *   in a user namespace) that only the server process sees and that vanishes with it: nothing to
 *   unmount, nothing left behind if the test dies. The test reaches the files via `/proc/<pid>/root`.
 * - The database file deleted while the server runs.
 * - Pages in the middle of a stopped server's file overwritten with garbage, then a restart.
 */
import { afterAll, afterEach, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, renameSync, rmSync, statfsSync, unlinkSync, writeFileSync } from "node:fs"
import { open } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Running, run, stopAll } from "./fixtures/ops-process.ts"
import { connectSse } from "./helpers/sse.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const dir = mkdtempSync(join(tmpdir(), "tether-storage-faults-"))
const env = { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: "" }

afterEach(stopAll)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const serve = async (dataDir: string): Promise<{ server: Running; base: string }> => {
  const server = run([MAIN, "serve", "--port", "0", "--data-dir", dataDir], env)
  const [, base = ""] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  return { server, base }
}

const publish = async (base: string, properties: Record<string, unknown> = {}) => {
  const response = await fetch(`${base}/global/event`, {
    method: "POST",
    body: JSON.stringify({ type: "test.stored", properties }),
  })
  return {
    status: response.status,
    body: (await response.json()) as { id?: string; error?: { name: string; message: string } },
  }
}

interface Ready {
  readonly status: number
  readonly checks: Record<string, { ok: boolean; error?: string }>
}
const ready = async (base: string): Promise<Ready> => {
  const response = await fetch(`${base}/global/health/ready`)
  const body = (await response.json()) as { checks: Ready["checks"] }
  return { status: response.status, checks: body.checks }
}

test("disk full (a real 8 MiB tmpfs): readiness fails on the store check; freed, it comes back by itself, before any publish", async () => {
  const mount = join(dir, "small-disk")
  mkdirSync(mount)
  const asRoot = process.getuid?.() === 0
  // Only this process and its children see the mount; it goes away when the server exits.
  const proc = Bun.spawn(
    [
      "unshare",
      ...(asRoot ? [] : ["--user", "--map-root-user"]),
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs -o size=8m tmpfs "$0" && exec "$@"',
      mount,
      process.execPath,
      "--conditions=@tether/source",
      MAIN,
      "serve",
      "--port",
      "0",
      "--data-dir",
      join(mount, "data"),
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } },
  )
  let stderr = ""
  void new Response(proc.stderr).text().then((text) => {
    stderr = text
  })
  try {
    const reader = proc.stdout.getReader()
    let out = ""
    const deadline = Date.now() + 20_000
    while (!/tether listening on/.test(out) && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)])
      if (chunk === null || chunk.done) break
      out += new TextDecoder().decode(chunk.value)
    }
    const base = out.match(/tether listening on (http:\/\/\S+)/)?.[1]
    if (base === undefined) {
      proc.kill("SIGKILL")
      await proc.exited
      await Bun.sleep(50)
      throw new Error(
        `the server did not listen (this test needs Linux with util-linux's unshare, run as root or with unprivileged user namespaces): ${out} ${stderr}`,
      )
    }
    // The server's view of the tmpfs, from outside its mount namespace.
    const disk = `/proc/${proc.pid}/root${mount}`
    expect(statfsSync(disk).blocks * statfsSync(disk).bsize).toBe(8 * 1024 * 1024)

    expect((await publish(base, { n: 1 })).status).toBe(202)
    expect((await ready(base)).status).toBe(200)

    // Fill the disk but for 64 KiB: room for the probe's one small write, not for a 100 KiB event.
    const filler = join(disk, "filler")
    const handle = await open(filler, "w")
    const chunk = Buffer.alloc(64 * 1024, 1)
    for (let i = 0; i < 200; i++) {
      const { bavail, bsize } = statfsSync(disk)
      if (bavail * bsize <= 64 * 1024) break
      await handle.write(chunk.subarray(0, Math.min(chunk.length, bavail * bsize - 64 * 1024)))
    }
    await handle.close()

    const full = await ready(base)
    expect(full.status).toBe(503)
    expect(full.checks.store?.ok).toBe(false)
    expect(full.checks.store?.error).toMatch(/only \d+ bytes are free on its disk/)
    const refused = await publish(base, { s: "x".repeat(100 * 1024) })
    expect(refused.status).toBe(503)
    expect(refused.body.error?.name).toBe("EventLogError")

    // Space back: ready again by itself, once a write the size of the failed publish goes through. Not
    // by waiting for a publish to succeed: a load balancer sends none to an instance that is not ready.
    unlinkSync(filler)
    const afterFree = await ready(base)
    expect(afterFree.checks.store).toMatchObject({ ok: true })
    expect(afterFree.status).toBe(200)
    expect((await publish(base, { s: "x".repeat(100 * 1024) })).status).toBe(202)
    expect((await ready(base)).status).toBe(200)
  } finally {
    proc.kill("SIGTERM")
    await Promise.race([proc.exited, Bun.sleep(5000).then(() => proc.kill("SIGKILL"))])
    await proc.exited
  }
  // The mount lived in the server's namespace only.
  expect(statfsSync(mount).type).toBe(statfsSync(dir).type)
}, 60_000)

test("the database file deleted while running: publishes answer 503 (nothing acknowledged into the unlinked file), readiness fails", async () => {
  const dataDir = join(dir, "deleted")
  const { server, base } = await serve(dataDir)
  expect((await publish(base)).status).toBe(202)
  expect((await ready(base)).status).toBe(200)

  unlinkSync(join(dataDir, "events.sqlite"))
  for (let i = 0; i < 5; i++) {
    const refused = await publish(base, { i })
    expect(refused.status).toBe(503)
    expect(refused.body.error?.name).toBe("EventLogError")
    expect(refused.body.error?.message).toMatch(/events\.sqlite was deleted while the server ran/)
  }
  const report = await ready(base)
  expect(report.status).toBe(503)
  expect(report.checks.store?.error).toMatch(/events\.sqlite was deleted while the server ran/)
  expect(await server.stop()).toBe(0)

  // Replaced rather than deleted (a restore from a backup under a running server) is seen the same way.
  const again = await serve(dataDir)
  expect((await publish(again.base)).status).toBe(202)
  writeFileSync(join(dataDir, "events.sqlite-wal.tmp"), "")
  renameSync(join(dataDir, "events.sqlite-wal.tmp"), join(dataDir, "events.sqlite-wal"))
  const replaced = await publish(again.base)
  expect(replaced.status).toBe(503)
  expect(replaced.body.error?.message).toMatch(/events\.sqlite-wal was replaced by another file/)
}, 60_000)

test("pages damaged in the middle of the file: readiness fails at start, and a replay across them ends in server.resync and goes on live", async () => {
  const dataDir = join(dir, "damaged")
  const first = await serve(dataDir)
  const ids: string[] = []
  const filler = "x".repeat(1000)
  for (let batch = 0; batch < 60; batch++) {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => publish(first.base, { n: batch * 50 + n, filler })),
    )
    for (const result of results) ids.push(result.body.id as string)
  }
  ids.sort()
  // SIGTERM checkpoints the WAL into the main file: every event is in the pages damaged below.
  expect(await first.server.stop()).toBe(0)

  const file = join(dataDir, "events.sqlite")
  const handle = await open(file, "r+")
  const { size } = await handle.stat()
  const garbage = Buffer.alloc(8 * 4096)
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 251
  await handle.write(garbage, 0, garbage.length, Math.floor(size / 2 / 4096) * 4096)
  await handle.close()

  const second = await serve(dataDir)
  await second.server.waitFor("stderr", /the event log .* is damaged/)
  const report = await ready(second.base)
  expect(report.status).toBe(503)
  expect(report.checks.store?.ok).toBe(false)
  expect(report.checks.store?.error).toMatch(/the file is damaged .*server\.resync/)

  const stream = await connectSse(second.base, { lastEventId: ids[0] as string })
  const seen = await stream.until((event) => event.type === "server.resync", 20_000)
  expect(seen[0]?.type).toBe("server.connected")
  const resync = seen.at(-1)
  // It names where the replay stopped: after what it sent, before the damage.
  const replayed = seen.filter((event) => event.id !== null)
  expect(resync?.properties.requested).toBe(replayed.at(-1)?.id ?? ids[0])
  expect(replayed.length).toBeLessThan(ids.length - 1)
  // And the stream is live.
  const live = await publish(second.base, { live: true })
  expect(live.status).toBe(202)
  const after = await stream.until((event) => event.id === live.body.id, 10_000)
  expect(after.at(-1)?.properties).toEqual({ live: true })
  stream.close()
  expect(second.server.stderr.join("\n")).toMatch(
    /a replay could not read the event log after \d+, sending server\.resync/,
  )
}, 90_000)
