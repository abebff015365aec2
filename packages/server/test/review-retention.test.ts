/**
 * Retention over a large backlog: one synchronous SQLite DELETE of every surplus row blocks the
 * event loop for as long as it runs (about 1.5 s for 300 000 rows on the CI machine; a log of
 * millions, or `retention_events` lowered live, takes far longer). Heartbeats stall, readiness reports
 * the lag, and a supervisor restarts the server mid-DELETE, which rolls it back and starts over. So a
 * trim deletes a bounded batch per call, and a retention pass runs batches until done, yielding
 * between them.
 */
import { afterEach, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { defaultConfig } from "@tether/core"
import { Effect, Layer } from "effect"
import { LiveConfig } from "../src/config/live-config.ts"
import { EventLog } from "../src/event/log.ts"
import { RetentionLayer, TRIM_BATCH, TRIM_EVERY_MS } from "../src/event/retention.ts"
import { makeSqliteLog } from "../src/event/sqlite-log.ts"

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

const filledLog = (count: number) => {
  const dir = mkdtempSync(join(tmpdir(), "tether-review-retention-"))
  const { shape, close } = makeSqliteLog(join(dir, "events.sqlite"))
  cleanups.push(() => {
    close()
    rmSync(dir, { recursive: true, force: true })
  })
  for (let i = 0; i < count; i++) Effect.runSync(shape.append({ type: "test.n", time: 0, properties: "{}" }))
  // A new log's ids start after its creation time: `id(n)` is its n-th event's.
  const base = Number(Effect.runSync(shape.oldest)) - 1
  return { log: shape, id: (n: number) => String(base + n).padStart(16, "0") }
}

test("a trim deletes at most its batch, oldest first, and resume points follow exactly", () => {
  const { log, id } = filledLog(2500)
  expect(Effect.runSync(log.trim(10, 1000))).toBe(1000)
  expect(Effect.runSync(log.oldest)).toBe(id(1001))
  // A client that saw 1000 (the newest trimmed) lost nothing; one that saw 999 did.
  expect(Effect.runSync(log.resume(id(1000)))).toEqual({ _tag: "Replay", after: id(1000) })
  expect(Effect.runSync(log.resume(id(999)))).toEqual({ _tag: "Resync", oldest: id(1001) })
  expect(Effect.runSync(log.trim(10, 1000))).toBe(1000)
  expect(Effect.runSync(log.trim(10, 1000))).toBe(490)
  expect(Effect.runSync(log.trim(10, 1000))).toBe(0)
  expect(Effect.runSync(log.oldest)).toBe(id(2491))
})

test("one retention pass trims a backlog of many batches completely", async () => {
  const total = TRIM_BATCH * 3 + 17
  const { log, id } = filledLog(total)
  const config = defaultConfig()
  const retain = 5
  const live = LiveConfig.layerOf(
    {
      ...config,
      server: { ...config.server, event_stream: { ...config.server.event_stream, retention_events: retain } },
    },
    null,
  )
  // Every trim call, with when it ran and what it dropped.
  const calls: { at: number; dropped: number }[] = []
  const recorded = {
    ...log,
    trim: (keep: number, limit?: number) =>
      log
        .trim(keep, limit)
        .pipe(Effect.tap((dropped) => Effect.sync(() => calls.push({ at: Date.now(), dropped })))),
  }
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* Layer.build(RetentionLayer)
        // The first pass runs at once; give it the time it needs, with a generous bound.
        const deadline = Date.now() + 30_000
        while (Effect.runSync(log.oldest) !== id(total - retain + 1)) {
          if (Date.now() > deadline) throw new Error(`retention stopped at ${Effect.runSync(log.oldest)}`)
          yield* Effect.sleep("20 millis")
        }
      }),
    ).pipe(Effect.provide(Layer.merge(Layer.succeed(EventLog, recorded), live))),
  )
  expect(Effect.runSync(log.oldest)).toBe(id(total - retain + 1))
  // Four batches (3 full, then the 12 left), back to back in the first pass: passes are a second
  // apart, so one batch per pass would show gaps of about a second between them.
  const deleting = calls.filter((call) => call.dropped > 0)
  expect(deleting.map((call) => call.dropped)).toEqual([TRIM_BATCH, TRIM_BATCH, TRIM_BATCH, 12])
  const gaps = deleting.slice(1).map((call, i) => call.at - (deleting[i] as { at: number }).at)
  expect(Math.max(...gaps)).toBeLessThan(TRIM_EVERY_MS / 2)
})
