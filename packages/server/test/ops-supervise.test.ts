/**
 * `tether serve --supervise` with the real server as its child, wedged on purpose by each test-only
 * fault, then crashed with SIGKILL: the supervisor replaces it on the same port, and a client
 * subscribed through it all (resuming with Last-Event-ID, as the SDK does) ends up holding every
 * acknowledged event, in order, once.
 */
import { afterEach, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killIfAlive, type Running, run, stopAll } from "./fixtures/ops-process.ts"
import { FAULT_ENTRY } from "./helpers/server-process.ts"
import { ResumingSubscriber } from "./helpers/sse.ts"

const FAST = [
  ...["--ready-interval-ms", "200", "--ready-grace-ms", "2000", "--ready-timeout-ms", "3000"],
  ...["--stop-timeout-ms", "1500", "--restart-delay-ms", "200"],
]
const dirs: string[] = []
const pids: number[] = []
const subscribers: ResumingSubscriber[] = []

afterEach(async () => {
  for (const subscriber of subscribers.splice(0)) await subscriber.stop()
  await stopAll()
  for (const pid of pids.splice(0)) killIfAlive(pid)
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Publishes `ops.tick` events back to back until stopped; keeps the ids the server acknowledged (202). */
const startPublisher = (base: string) => {
  const acked: string[] = []
  let attempted = 0
  let stopped = false
  const done = (async () => {
    while (!stopped) {
      attempted++
      try {
        const response = await fetch(`${base}/global/event`, {
          method: "POST",
          body: JSON.stringify({ type: "ops.tick", properties: { n: attempted } }),
          signal: AbortSignal.timeout(2000),
        })
        if (response.status === 202) acked.push(((await response.json()) as { id: string }).id)
        else await response.arrayBuffer()
      } catch {
        // The child is down or wedged: this one is not acknowledged.
      }
      await Bun.sleep(25)
    }
  })()
  return {
    acked,
    attempted: () => attempted,
    stop: async () => {
      stopped = true
      await done
    },
  }
}

const childPids = (sup: Running): number[] =>
  sup.all("stderr", /child (\d+) started/).map((match) => Number(match[1]))

const waitReady = async (base: string, timeoutMs = 20_000, headers: HeadersInit = {}): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/global/health/ready`, { headers, signal: AbortSignal.timeout(1500) })
      .then((r) => r.status === 200)
      .catch(() => false)
    if (ok) return
    await Bun.sleep(100)
  }
  throw new Error(`${base} not ready within ${timeoutMs} ms`)
}

/**
 * One supervised run: the first child wedges with `fault` 2.5 s after start; the supervisor must log
 * the failed check and replace it. With `crash`, the replacement is then SIGKILLed and replaced too.
 */
const scenario = async (fault: string, check: string, crash: boolean) => {
  const dir = mkdtempSync(join(tmpdir(), `tether-ops-sup-${fault}-`))
  dirs.push(dir)
  const sup = run(
    [FAULT_ENTRY, "serve", "--supervise", "--port", "0", "--data-dir", join(dir, "data"), ...FAST],
    {
      TETHER_TEST_FAULT: `${fault}@2500`,
      TETHER_TEST_FAULT_ONCE: join(dir, "fault-once"),
      XDG_CONFIG_HOME: join(dir, "xdg"),
      TETHER_CONFIG: "",
    },
  )
  const [, base = ""] = await sup.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  const subscriber = new ResumingSubscriber(() => base)
  subscribers.push(subscriber)
  const publisher = startPublisher(base)

  const [restart] = await sup.waitFor(
    "stderr",
    /restarting child \d+: not ready for \d+ ms \(grace 2000 ms\).*/,
    30_000,
  )
  expect(restart).toContain(`${check}:`)
  await sup.waitFor("stderr", /child \d+ started \(restart 1\)/)
  await waitReady(base)
  if (crash) {
    const second = childPids(sup)[1] as number
    process.kill(second, "SIGKILL")
    await sup.waitFor("stderr", new RegExp(`restarting child ${second}: it was killed by SIGKILL`))
    await sup.waitFor("stderr", /child \d+ started \(restart 2\)/)
    await waitReady(base)
  }
  pids.push(...childPids(sup))
  const ackedBeforeEnd = publisher.acked.length
  // Keep publishing a little on the healthy child, then settle.
  while (publisher.acked.length < ackedBeforeEnd + 10) await Bun.sleep(50)
  await publisher.stop()
  const last = publisher.acked.at(-1) as string
  await subscriber.waitFor(last, 20_000)

  const received = subscriber.events
    .filter((event) => event.type === "ops.tick")
    .map((event) => event.id as string)
  const acked = new Set(publisher.acked)
  console.log(
    `supervise ${fault}${crash ? " + SIGKILL" : ""}: ${publisher.attempted()} attempted, ${publisher.acked.length} acknowledged, ` +
      `${received.length} received over ${subscriber.connects} connections, restarts ${sup.all("stderr", /restarting child/).length}`,
  )
  // Every acknowledged event arrived; none twice; in increasing id order.
  expect(publisher.acked.filter((id) => !received.includes(id))).toEqual([])
  expect(new Set(received).size).toBe(received.length)
  expect([...received].sort()).toEqual(received)
  // What arrived unacknowledged can only be a publish whose 202 was lost with the child.
  expect(received.filter((id) => !acked.has(id)).length).toBeLessThanOrEqual(
    sup.all("stderr", /restarting child/).length,
  )
  // One listening line for the whole run, the same port throughout.
  expect(sup.all("stdout", /^tether listening on/).length).toBe(1)
  expect(subscriber.connects).toBeGreaterThanOrEqual(2)
  expect(await sup.stop()).toBe(0)
  for (const pid of childPids(sup)) expect(() => process.kill(pid, 0)).toThrow()
}

test("a stalled bus is replaced, then a SIGKILLed child too; the subscriber loses nothing", async () => {
  await scenario("stall-bus", "bus", true)
}, 60_000)

test("a blocked event loop is replaced (SIGKILL after SIGTERM goes unanswered); nothing lost", async () => {
  await scenario("block-loop", "event_loop_lag_ms", false)
}, 60_000)

test("a failing store is replaced; nothing acknowledged is lost", async () => {
  await scenario("store-fail", "store", false)
}, 60_000)

test("with a password, the supervisor's polls authenticate: the child is replaced for its failed check, not for a 401", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-ops-sup-password-"))
  dirs.push(dir)
  const sup = run(
    [FAULT_ENTRY, "serve", "--supervise", "--port", "0", "--data-dir", join(dir, "data"), ...FAST],
    {
      TETHER_SERVER_PASSWORD: "correct horse",
      TETHER_TEST_FAULT: "stall-bus@2500",
      TETHER_TEST_FAULT_ONCE: join(dir, "fault-once"),
      XDG_CONFIG_HOME: join(dir, "xdg"),
      TETHER_CONFIG: "",
    },
  )
  const [, base = ""] = await sup.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  const auth = { authorization: "Bearer correct horse" }
  // The child guards readiness like every route: only a poll carrying the password can see it.
  expect((await fetch(`${base}/global/health/ready`)).status).toBe(401)
  await waitReady(base, 20_000, auth)

  // Unauthenticated polls would read 401 from the start and fail the start timeout instead;
  // the reason names the bus, so the polls saw the real readiness answer.
  const [restart] = await sup.waitFor(
    "stderr",
    /restarting child \d+: not ready for \d+ ms \(grace 2000 ms\).*/,
    30_000,
  )
  expect(restart).toContain("bus:")
  expect(restart).not.toContain("401")
  await sup.waitFor("stderr", /child \d+ started \(restart 1\)/)
  await waitReady(base, 20_000, auth)
  pids.push(...childPids(sup))
  expect(sup.all("stderr", /restarting child/).length).toBe(1)
  expect(await sup.stop()).toBe(0)
}, 60_000)
