import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import type { EventLogShape } from "../event/log-shape.ts"
import { makeMemoryLog } from "../event/memory-log.ts"
import { FrameCache } from "./frame-cache.ts"
import { REPLAY_PAGE_BYTES, ReplayPages } from "./replay-pages.ts"

/** A memory log of `count` events that counts its `readAfter` calls. */
const counted = (count: number) => {
  const log = makeMemoryLog()
  const before = Effect.runSync(log.newest) as string
  const ids = Array.from(
    { length: count },
    (_, i) => Effect.runSync(log.append({ type: "t", time: 0, properties: `{"i":${i}}` })).id,
  )
  let reads = 0
  const shape: EventLogShape = {
    ...log,
    readAfter: (after, limit) => {
      reads++
      return log.readAfter(after, limit)
    },
  }
  return { log: shape, before, ids, reads: () => reads }
}

describe("ReplayPages", () => {
  test("clients asking for the same position at once share one read and the same frames", async () => {
    const { log, before, ids, reads } = counted(10)
    const pages = new ReplayPages(log, new FrameCache())
    const since = pages.stamp()
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => pages.read(before, 4, since)))
    expect(reads()).toBe(1)
    expect(a?.ids).toEqual(ids.slice(0, 4))
    expect(b?.frames[0]).toBe(a?.frames[0] as Uint8Array)
    expect(c?.short).toBe(false)
    // A later client from the same point: no read at all.
    await pages.read(before, 4, pages.stamp())
    expect(reads()).toBe(1)
  })

  test("a client resuming inside a kept page takes its slice, then asks where the others do", async () => {
    const { log, before, ids, reads } = counted(10)
    const pages = new ReplayPages(log, new FrameCache())
    await pages.read(before, 4, pages.stamp())
    const slice = await pages.read(ids[1] as string, 4, pages.stamp())
    expect(slice.ids).toEqual(ids.slice(2, 4))
    expect(slice.short).toBe(false)
    expect(reads()).toBe(1)
    const frame = new TextDecoder().decode(slice.frames[0])
    expect(frame).toStartWith(`id: ${ids[2]}\ndata: `)
  })

  test("a short page read before a client subscribed is read again for it (events may have come since)", async () => {
    const { log, before, ids, reads } = counted(3)
    const pages = new ReplayPages(log, new FrameCache())
    const early = pages.stamp()
    const first = await pages.read(before, 10, early)
    expect(first.short).toBe(true)
    const later = pages.stamp()
    const newer = Effect.runSync(log.append({ type: "t", time: 0, properties: "{}" })).id
    // The early client may use what it got; a client that subscribed after that read may not.
    expect((await pages.read(before, 10, early)).ids).toEqual(ids)
    expect(reads()).toBe(1)
    expect((await pages.read(before, 10, later)).ids).toEqual([...ids, newer])
    expect(reads()).toBe(2)
  })

  test("kept pages stay within the byte budget and their time to live", async () => {
    const { log, before, ids, reads } = counted(20)
    let now = 0
    const pages = new ReplayPages(log, new FrameCache(), { budgetBytes: 400, ttlMs: 1000, now: () => now })
    let after = before
    for (let i = 0; i < 5; i++) {
      const page = await pages.read(after, 4, pages.stamp())
      after = page.ids[page.ids.length - 1] as string
      expect(pages.size).toBeLessThanOrEqual(400)
    }
    expect(reads()).toBe(5)
    // The newest page is still kept; past its time to live it is read again.
    await pages.read(ids[15] as string, 4, pages.stamp())
    expect(reads()).toBe(5)
    now = 2000
    await pages.read(ids[15] as string, 4, pages.stamp())
    expect(reads()).toBe(6)
  })

  test("at most maxPages pages are kept: the least recently used goes first", async () => {
    const { log, before, ids, reads } = counted(10)
    const pages = new ReplayPages(log, new FrameCache(), { maxPages: 3 })
    // Four small pages of their own, as clients resuming one by one leave them.
    for (const after of [before, ids[0], ids[1], ids[2]] as string[])
      await pages.read(after, 1, pages.stamp())
    expect(reads()).toBe(4)
    // The newest three are kept; the first was let go and is read again.
    await pages.read(ids[2] as string, 1, pages.stamp())
    await pages.read(ids[0] as string, 1, pages.stamp())
    expect(reads()).toBe(4)
    await pages.read(before, 1, pages.stamp())
    expect(reads()).toBe(5)
    // That read let go of ids[1]'s page, the least recently used; ids[0]'s was used just before.
    await pages.read(ids[0] as string, 1, pages.stamp())
    expect(reads()).toBe(5)
    await pages.read(ids[1] as string, 1, pages.stamp())
    expect(reads()).toBe(6)
  })

  test("a short page a client cannot use gives way to a kept page that covers the position", async () => {
    const { log, before, ids, reads } = counted(6)
    const pages = new ReplayPages(log, new FrameCache())
    const early = pages.stamp()
    // A short page from ids[1], read before `late`, then a full page from `before` covering ids[1].
    expect((await pages.read(ids[1] as string, 10, early)).short).toBe(true)
    const late = pages.stamp()
    expect((await pages.read(before, 4, late)).short).toBe(false)
    expect(reads()).toBe(2)
    // From ids[2]: the short page (older than `late`) covers it too, but only the full one may be used.
    expect((await pages.read(ids[2] as string, 4, late)).ids).toEqual(ids.slice(3, 4))
    // Exactly from ids[1]: its own page is too old for `late`; the full page from `before` covers it.
    expect((await pages.read(ids[1] as string, 4, late)).ids).toEqual(ids.slice(2, 4))
    expect(reads()).toBe(2)
  })

  test("expired pages are let go even when no client asks again", async () => {
    const { log, before } = counted(10)
    let now = 0
    const pages = new ReplayPages(log, new FrameCache(), { ttlMs: 20, now: () => now })
    await pages.read(before, 4, pages.stamp())
    expect(pages.size).toBeGreaterThan(0)
    now = 100
    // The sweep runs on a timer: waited for with a deadline, since a loaded machine runs timers late.
    const deadline = Date.now() + 10_000
    while (pages.size > 0 && Date.now() < deadline) await Bun.sleep(10)
    expect(pages.size).toBe(0)
  })

  test("large events are read fewer at a time: a page holds about REPLAY_PAGE_BYTES", async () => {
    const log = makeMemoryLog()
    const before = Effect.runSync(log.newest) as string
    const blob = "x".repeat(256 * 1024)
    for (let i = 0; i < 40; i++) {
      Effect.runSync(log.append({ type: "t", time: 0, properties: `{"blob":"${blob}"}` }))
    }
    const frames = new FrameCache()
    const pages = new ReplayPages(log, frames)
    // Nothing known yet: the first read takes what it is asked, the next ones follow the sizes seen.
    const first = await pages.read(before, 4, pages.stamp())
    expect(first.ids).toHaveLength(4)
    const second = await pages.read(first.ids[3] as string, 500, pages.stamp())
    expect(second.ids).toHaveLength(
      Math.floor(REPLAY_PAGE_BYTES / (second.frames[0] as Uint8Array).byteLength),
    )
    expect(second.short).toBe(false)
    // A new reader on the same cache starts from the recent frames' size.
    const fresh = new ReplayPages(log, frames)
    expect((await fresh.read(second.ids.at(-1) as string, 500, fresh.stamp())).ids.length).toBeLessThan(10)
  })

  test("a failed read fails every client waiting on it, and the next ask reads again", async () => {
    const { log: inner, before } = counted(3)
    let fail = true
    const log: EventLogShape = {
      ...inner,
      readAfter: (after, limit) =>
        fail ? Effect.fail(new Error("disk gone") as never) : inner.readAfter(after, limit),
    }
    const pages = new ReplayPages(log, new FrameCache())
    const since = pages.stamp()
    const outcomes = await Promise.allSettled([pages.read(before, 10, since), pages.read(before, 10, since)])
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"])
    fail = false
    expect((await pages.read(before, 10, since)).ids).toHaveLength(3)
  })
})
