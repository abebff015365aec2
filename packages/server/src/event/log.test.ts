import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import type { EventLogShape } from "./log.ts"
import { makeMemoryLog } from "./memory-log.ts"
import { makeSqliteLog } from "./sqlite-log.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-log-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const append = (log: EventLogShape, n: number) =>
  run(log.append({ type: "t", time: 1000 + n, properties: JSON.stringify({ n }) }))

let files = 0
const backends: [string, () => EventLogShape][] = [
  ["memory", makeMemoryLog],
  ["sqlite", () => makeSqliteLog(join(dir, `log-${files++}.sqlite`)).shape],
]

for (const [name, make] of backends) {
  describe(`${name} log`, () => {
    test("mints increasing, string-sortable ids and reads back after any id", async () => {
      const log = make()
      // Empty: the position before the first id, a valid resume point that replays everything to come.
      const start = await run(log.newest)
      expect(start).toMatch(/^\d{16}$/)
      expect(await run(log.oldest)).toBeNull()
      expect(await run(log.resume(start as string))).toEqual({ _tag: "Replay", after: start as string })
      const ids: string[] = []
      for (let n = 0; n < 12; n++) ids.push((await append(log, n)).id)
      expect(log.compare(start as string, ids[0] as string)).toBeLessThan(0)
      expect(await run(log.readAfter(start as string, 100))).toHaveLength(12)
      expect([...ids].sort()).toEqual(ids)
      expect(new Set(ids).size).toBe(12)
      expect(ids.every((id, i) => i === 0 || log.compare(ids[i - 1] as string, id) < 0)).toBe(true)
      expect(await run(log.newest)).toBe(ids[11] as string)
      expect(await run(log.oldest)).toBe(ids[0] as string)
      const page = await run(log.readAfter(ids[3] as string, 5))
      expect(page.map((event) => event.id)).toEqual(ids.slice(4, 9))
      expect(page[0]).toEqual({ id: ids[4] as string, type: "t", time: 1004, properties: '{"n":4}' })
      expect(await run(log.readAfter("garbage", 5))).toEqual([])
    })

    test("resume: retained ids replay, trimmed-past and unknown ids resync with the oldest retained id", async () => {
      const log = make()
      const ids: string[] = []
      for (let n = 0; n < 10; n++) ids.push((await append(log, n)).id)
      expect(await run(log.resume(ids[0] as string))).toEqual({ _tag: "Replay", after: ids[0] as string })
      expect(await run(log.trim(4))).toBe(6)
      expect(await run(log.trim(4))).toBe(0)
      expect(await run(log.oldest)).toBe(ids[6] as string)
      // The last trimmed id lost nothing after it; anything before did.
      expect(await run(log.resume(ids[5] as string))).toEqual({ _tag: "Replay", after: ids[5] as string })
      expect(await run(log.resume(ids[4] as string))).toEqual({ _tag: "Resync", oldest: ids[6] as string })
      expect(await run(log.resume("nope"))).toEqual({ _tag: "Resync", oldest: ids[6] as string })
      expect(await run(log.resume("9999999999999999"))).toEqual({ _tag: "Resync", oldest: ids[6] as string })
      expect((await run(log.readAfter(ids[5] as string, 100))).map((event) => event.id)).toEqual(ids.slice(6))
    })
  })
}

describe("sqlite log across restarts", () => {
  test("ids keep increasing and trimming is remembered after the file is reopened", async () => {
    const file = join(dir, "restart.sqlite")
    const first = makeSqliteLog(file)
    const ids: string[] = []
    for (let n = 0; n < 5; n++) ids.push((await append(first.shape, n)).id)
    await run(first.shape.trim(1))
    first.close()
    const second = makeSqliteLog(file)
    const next = await append(second.shape, 5)
    expect(second.shape.compare(next.id, ids[4] as string)).toBeGreaterThan(0)
    expect(await run(second.shape.resume(ids[2] as string))).toEqual({
      _tag: "Resync",
      oldest: ids[4] as string,
    })
    expect(await run(second.shape.resume(ids[3] as string))).toEqual({
      _tag: "Replay",
      after: ids[3] as string,
    })
    // Trim everything but the newest, reopen: the next id still does not go back.
    await run(second.shape.trim(1))
    second.close()
    const third = makeSqliteLog(file)
    expect(third.shape.compare((await append(third.shape, 6)).id, next.id)).toBeGreaterThan(0)
    third.close()
  })
})
