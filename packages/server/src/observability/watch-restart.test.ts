import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { noteWatchStart, RESTART_WINDOW_MS, underWatch } from "./watch-restart.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-watch-note-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test("the next start of a watched pid names the modules changed since the last; only soon after a stop", () => {
  const changed = join(dir, "changed.ts")
  const same = join(dir, "same.ts")
  writeFileSync(changed, "")
  writeFileSync(same, "")
  const past = new Date(Date.now() - 60_000)
  utimesSync(same, past, past)
  const options = { execArgv: ["--watch"], dir, pid: 4242, modules: () => [changed, same] }
  utimesSync(changed, past, past)
  expect(noteWatchStart(options).restart).toBeNull()
  const future = new Date(Date.now() + 5_000)
  utimesSync(changed, future, future)
  const second = noteWatchStart(options)
  expect(second.restart?.changed.map((file) => file.split("/").pop())).toEqual(["changed.ts"])
  // Stopped (Bun's graceful stop before it re-executes), started again at once: a restart.
  second.stopped()
  expect(noteWatchStart(options).restart).not.toBeNull()
  // Stopped, and the same pid starts long after: another process, not a restart.
  noteWatchStart(options).stopped()
  const later = noteWatchStart(options, () => Date.now() + RESTART_WINDOW_MS + 1000)
  expect(later.restart).toBeNull()
})

test("without --watch nothing is noted", () => {
  expect(underWatch([])).toBe(false)
  expect(underWatch(["--hot"])).toBe(true)
  expect(noteWatchStart({ execArgv: [], dir, pid: 7 }).restart).toBeNull()
})
