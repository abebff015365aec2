/**
 * Faults are the test entry point's alone: the published `tether serve` ignores `TETHER_TEST_FAULT`
 * (a malformed value does not stop it, a valid one breaks nothing), while `test/faults/entry.ts`
 * applies it and refuses a value that names no fault, so a typo fails the test that made it.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FAULT_ENTRY, isolatedEnv, killAll, runCli, startServe } from "./helpers/server-process.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-fault-entry-"))

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const publish = (url: string): Promise<number> =>
  fetch(`${url}/global/event`, { method: "POST", body: '{"type":"t.fault"}' }).then(async (response) => {
    await response.arrayBuffer()
    return response.status
  })

test("the published CLI does not read TETHER_TEST_FAULT: a malformed value starts it, a valid one injects nothing", async () => {
  for (const [name, value] of [
    ["malformed", "stall-buss@soon"],
    ["valid", "store-fail"],
  ] as const) {
    const server = await startServe(["--port", "0", "--data-dir", join(dir, name)], {
      env: { ...isolatedEnv(join(dir, name)), TETHER_TEST_FAULT: value },
    })
    expect(await publish(server.url)).toBe(202)
    expect((await fetch(`${server.url}/global/health/ready`)).status).toBe(200)
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).not.toContain("TEST FAULT")
  }
}, 60_000)

test("the test entry applies the fault: a failing store refuses a publish with 503", async () => {
  const server = await startServe(["--port", "0", "--data-dir", join(dir, "entry")], {
    env: { ...isolatedEnv(join(dir, "entry")), TETHER_TEST_FAULT: "store-fail" },
    entry: FAULT_ENTRY,
  })
  expect(await publish(server.url)).toBe(503)
  expect(await server.stop()).toBe(0)
  expect(server.stderr()).toContain("TEST FAULT store-fail triggered")
}, 30_000)

test("the test entry refuses a value that names no fault, with exit 2 and the faults it knows", async () => {
  for (const [value, message] of [
    [
      "stall-buss",
      'unknown fault "stall-buss"; expected one of stall-bus, block-loop, store-fail, read-fail',
    ],
    ["stall-bus@soon", 'delay must be a whole number of milliseconds, got "soon"'],
  ] as const) {
    const refused = await runCli(["serve", "--port", "0", "--data-dir", join(dir, "typo")], {
      env: { ...isolatedEnv(join(dir, "typo")), TETHER_TEST_FAULT: value },
      entry: FAULT_ENTRY,
    })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`TETHER_TEST_FAULT: ${message}`)
    expect(refused.stdout).not.toContain("tether listening on")
  }
}, 30_000)
