import { expect, test } from "bun:test"
import { supervisorLog } from "./supervisor-log.ts"

test("with --log-format json the supervisor writes JSON lines like its children; otherwise its own line", () => {
  const lines: string[] = []
  const json = supervisorLog(["--supervise", "--log-format=json"], (line) => lines.push(line))
  json("child 4242 started")
  json("restarting child 4242: it exited with code 7")
  const entries = lines.map((line) => JSON.parse(line) as { level: string; message: string })
  expect(entries.map((entry) => [entry.level, entry.message])).toEqual([
    ["info", "supervise: child 4242 started"],
    ["warn", "supervise: restarting child 4242: it exited with code 7"],
  ])
  lines.length = 0
  supervisorLog(["--supervise", "--log-format", "pretty"], (line) => lines.push(line))("child 1 started")
  expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z tether supervise: child 1 started\n$/)
})
