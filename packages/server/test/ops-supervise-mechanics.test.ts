/**
 * The supervisor's mechanics against a stand-in child (test/fixtures/fake-server.ts): port picked once,
 * one "listening" line, restarts with reasons, SIGKILL for a child that ignores SIGTERM, a start
 * failure not retried, SIGTERM to the supervisor stopping all. The real server under the supervisor,
 * wedged by each fault, is in ops-supervise.test.ts.
 */
import { afterEach, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killIfAlive, run, stopAll } from "./fixtures/ops-process.ts"

const SUPERVISOR = join(import.meta.dir, "fixtures", "supervise-fake.ts")
const FAST = [
  "--ready-interval-ms",
  "100",
  "--ready-grace-ms",
  "600",
  "--stop-timeout-ms",
  "800",
  "--restart-delay-ms",
  "100",
]
const dirs: string[] = []
const pids: number[] = []

afterEach(async () => {
  await stopAll()
  for (const pid of pids.splice(0)) killIfAlive(pid)
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const marker = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "tether-sup-"))
  dirs.push(dir)
  return join(dir, "once")
}

const childPids = (lines: string[]): number[] =>
  lines.flatMap((line) => {
    const match = line.match(/child (\d+) started/)
    return match === null ? [] : [Number(match[1])]
  })

test("--port 0: one port for every child, one listening line, a crash is replaced", async () => {
  const sup = run([SUPERVISOR, "--supervise", "--port", "0", ...FAST], {
    FAKE_MODE: "crash-after",
    FAKE_ONCE: marker(),
  })
  const [, url] = await sup.waitFor("stdout", /^tether listening on (http:\/\/127\.0\.0\.1:\d+)$/)
  await sup.waitFor("stderr", /restarting child \d+: it exited with code 7/)
  await sup.waitFor("stderr", /child \d+ started \(restart 1\)/)
  await sup.waitFor("stdout", /fake child \d+ healthy/)
  pids.push(...childPids(sup.stderr))
  const answer = (await (await fetch(`${url}/x`)).json()) as { pid: number; args: string[] }
  expect(answer.pid).toBe(childPids(sup.stderr)[1] as number)
  // The supervisor's own flags are not passed on; the picked port is.
  expect(answer.args).toEqual(["serve", "--port", url?.split(":")[2] as string])
  expect(sup.all("stdout", /^tether listening on/).length).toBe(1)
  expect(await sup.stop()).toBe(0)
  // The child went with the supervisor.
  await Bun.sleep(200)
  expect(() => process.kill(answer.pid, 0)).toThrow()
})

test("a child that stays not-ready past the grace and ignores SIGTERM is killed and replaced", async () => {
  const sup = run([SUPERVISOR, "--supervise", "--port", "0", ...FAST], {
    FAKE_MODE: "ignore-term",
    FAKE_ONCE: marker(),
  })
  await sup.waitFor("stdout", /^tether listening on/)
  const [line] = await sup.waitFor(
    "stderr",
    /restarting child \d+: not ready for \d+ ms \(grace 600 ms\): 503 \(bus: fake wedge\)/,
  )
  expect(line).toContain("fake wedge")
  await sup.waitFor("stderr", /did not stop within 800 ms of SIGTERM; sending SIGKILL/)
  await sup.waitFor("stdout", /fake child \d+ healthy/)
  pids.push(...childPids(sup.stderr))
  expect(await sup.stop()).toBe(0)
})

test("the first child failing before it listens is not retried: the supervisor exits with its code", async () => {
  const sup = run([SUPERVISOR, "--supervise", "--port", "0", ...FAST], { FAKE_MODE: "exit-at-start" })
  expect(await sup.proc.exited).toBe(3)
  expect(sup.stderr.join("\n")).toContain("fake: refusing to start")
  expect(sup.stderr.join("\n")).toContain("before it listened; not restarting")
})

test("a bad supervisor flag is refused with the flag named", async () => {
  const sup = run([SUPERVISOR, "--supervise", "--port", "0", "--ready-grace-ms", "soon"])
  expect(await sup.proc.exited).toBe(1)
  expect(sup.stderr.join("\n")).toContain(
    '--ready-grace-ms: expected a whole number of milliseconds ≥ 1, got "soon"',
  )
})

test("a child whose supervisor was SIGKILLed stops on its own", async () => {
  const sup = run([SUPERVISOR, "--supervise", "--port", "0", ...FAST])
  await sup.waitFor("stdout", /^tether listening on/)
  const child = childPids(sup.stderr)[0] as number
  pids.push(child)
  sup.proc.kill("SIGKILL")
  await sup.proc.exited
  const deadline = Date.now() + 5000
  let alive = true
  while (alive && Date.now() < deadline) {
    await Bun.sleep(100)
    try {
      process.kill(child, 0)
    } catch {
      alive = false
    }
  }
  expect(alive).toBe(false)
})
