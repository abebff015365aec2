/**
 * A server whose event log cannot be read (the test-only `read-fail` fault) refuses the stream with
 * 503 before any frame, so an SDK subscriber backs off instead of being reset by `server.connected`
 * and coming back every 500 ms.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { openEventStream, type StreamStatus } from "@tether/sdk/sse"
import { run, stopAll } from "./fixtures/ops-process.ts"
import { FAULT_ENTRY } from "./helpers/server-process.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-read-fail-"))

afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

test("a log that cannot be read: 503 EventLogError, no frame, and the SDK's delays grow", async () => {
  const server = run([FAULT_ENTRY, "serve", "--port", "0", "--data-dir", join(dir, "data")], {
    TETHER_TEST_FAULT: "read-fail",
    XDG_CONFIG_HOME: join(dir, "xdg"),
    TETHER_CONFIG: "",
  })
  const [, base = ""] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)

  const refused = await fetch(`${base}/global/event`)
  expect(refused.status).toBe(503)
  expect(refused.headers.get("content-type")).toContain("application/json")
  const body = (await refused.json()) as { error: { name: string; message: string } }
  expect(body.error.name).toBe("EventLogError")
  expect(body.error.message).toContain("The event log cannot be read")
  expect(body.error.message).toContain("TEST FAULT read-fail")
  // A resuming client is refused the same way, before its resume point is looked up.
  const resuming = await fetch(`${base}/global/event`, { headers: { "Last-Event-ID": "0000000000000001" } })
  expect(resuming.status).toBe(503)
  await resuming.body?.cancel()
  // Publishing (a write) still works: only the stream start needs the reads.
  const published = await fetch(`${base}/global/event`, { method: "POST", body: '{"type":"t.kept"}' })
  expect(published.status).toBe(202)

  const waits: { attempt: number; delayMs: number }[] = []
  const opened: string[] = []
  const stream = openEventStream(`${base}/global/event`, {
    onStatus: (status: StreamStatus) => {
      if (status.state === "open") opened.push("open")
      if (status.state === "reconnecting" && status.nextRetryAt !== undefined) {
        waits.push({ attempt: status.attempt, delayMs: status.nextRetryAt - Date.now() })
      }
    },
  })
  try {
    const deadline = Date.now() + 20_000
    while (waits.length < 4 && Date.now() < deadline) await Bun.sleep(50)
    // Never opened, and every refusal counted: attempts 1, 2, 3, 4 with the contract's doubling
    // (500, 1000, 2000, 4000 ms ±25 %), not a flat 500 ms reset by a frame.
    expect(opened).toEqual([])
    expect(waits.slice(0, 4).map((w) => w.attempt)).toEqual([1, 2, 3, 4])
    const [first, , , fourth] = waits.map((w) => w.delayMs)
    expect(first).toBeLessThanOrEqual(500 * 1.25 + 50)
    expect(fourth).toBeGreaterThanOrEqual(4000 * 0.75 - 50)
  } finally {
    stream.close()
  }
  expect(server.stderr.join("\n")).toContain("the event log cannot be read")
}, 40_000)
