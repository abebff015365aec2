/**
 * PATCHes racing hand edits of the same config file, on a real `tether serve`: a loop edits the file by
 * hand as people and editors do (read, change one value, write in place or save by rename), about 500
 * times a second, while two loops PATCH another key. A hand edit is lost when the next time the hand
 * reads the file its last edit is gone (a PATCH wrote what it had read before the edit).
 *
 * Before the PATCH looked again right before its rename, 1 443 of 3 008 edits were lost in 5 s (48 %).
 * Now a change is seen and the patch made again on it; what remains is an edit landing between the
 * last look and the rename, two system calls apart with no await between them: 2 to 14 of about
 * 2 500 in 5 s here, 19 of 5 135 in 10 s (under 0.5 %), at a rate of hand edits no person reaches. Closing it entirely would
 * need the editor's cooperation (a lock) or an atomic exchange (`renameat2(RENAME_EXCHANGE)`).
 *
 * The figures go to stdout (`race: …`); `RACE_MS` sets the length of the race (default 5000).
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { readFile, rename, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Running, run, stopAll } from "./fixtures/ops-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const RACE_MS = Number(process.env.RACE_MS ?? 5000)
const dir = mkdtempSync(join(tmpdir(), "tether-config-race-"))
const file = join(dir, "tether.jsonc")
const TEXT = `{
  // edited by hand and by PATCH at once
  "server": {
    "cors": ["http://hand-0.test"],
    "event_stream": { "heartbeat_ms": 10000 },
  },
}
`
let server: Running
let base = ""

beforeAll(async () => {
  await writeFile(file, TEXT)
  server = run([MAIN, "serve", "--port", "0", "--config", file, "--data-dir", join(dir, "data")])
  const [, url] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  base = url as string
}, 20_000)

afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

const HAND = /"http:\/\/hand-(\d+)\.test"/

/** Edits the file by hand until `until`; counts the edits a later read did not find. */
const editByHand = async (until: number): Promise<{ edits: number; lost: number[] }> => {
  const lost: number[] = []
  let edits = 0
  while (Date.now() < until) {
    const text = await readFile(file, "utf8")
    const seen = Number(HAND.exec(text)?.[1] ?? -1)
    if (seen !== edits) lost.push(edits)
    edits++
    const next = text.replace(HAND, `"http://hand-${edits}.test"`)
    if (edits % 2 === 0) {
      // In place, as `echo > file` or a simple editor does: the file is empty for a moment.
      await writeFile(file, next)
    } else {
      // Saved by rename, as most editors do.
      const temp = join(dir, `.tether.jsonc.${edits}.swp`)
      await writeFile(temp, next)
      await rename(temp, file)
    }
    await Bun.sleep(Math.random() * 3)
  }
  const last = Number(HAND.exec(await readFile(file, "utf8"))?.[1] ?? -1)
  if (last !== edits) lost.push(edits)
  return { edits, lost }
}

/** PATCHes `heartbeat_ms` until `until`; counts the answers by status. */
const patchInLoop = async (until: number, statuses: Map<number, number>): Promise<void> => {
  for (let i = 0; Date.now() < until; i++) {
    const response = await fetch(`${base}/global/config`, {
      method: "PATCH",
      body: JSON.stringify({ server: { event_stream: { heartbeat_ms: 1000 + (i % 50) * 1000 } } }),
      signal: AbortSignal.timeout(10_000),
    })
    await response.arrayBuffer()
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
  }
}

test("PATCHes racing hand edits lose no hand edit but in the rename's own window (was 48 %)", async () => {
  const until = Date.now() + RACE_MS
  const statuses = new Map<number, number>()
  const [hand] = await Promise.all([
    editByHand(until),
    patchInLoop(until, statuses),
    patchInLoop(until, statuses),
  ])
  const patches = [...statuses.values()].reduce((a, b) => a + b, 0)
  console.log(
    `race: ${RACE_MS} ms, ${hand.edits} hand edits, ${hand.lost.length} lost; ` +
      `${patches} PATCHes: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(", ")}`,
  )
  expect(hand.edits).toBeGreaterThan(100)
  expect(statuses.get(200) ?? 0).toBeGreaterThan(50)
  // Every answer is a success or a conflict to retry: nothing failed.
  expect([...statuses.keys()].filter((status) => status !== 200 && status !== 409)).toEqual([])
  // 48 % before; the window left is two system calls wide (see the header).
  expect(hand.lost.length).toBeLessThan(hand.edits * 0.02)
  // The file is whole: the comment kept, a hand origin and a heartbeat in place.
  const text = await readFile(file, "utf8")
  expect(text).toContain("// edited by hand and by PATCH at once")
  expect(text).toMatch(HAND)
  expect(text).toMatch(/"heartbeat_ms": \d+/)
}, 60_000)
