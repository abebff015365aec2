import { expect, test } from "bun:test"
import { FrameCache } from "./frame-cache.ts"

test("keeps recent frames by id within its byte budget, evicting the oldest first", () => {
  const cache = new FrameCache(100)
  const frame = (size: number) => new Uint8Array(size)
  const a = frame(40)
  cache.set("a", a)
  cache.set("b", frame(40))
  expect(cache.get("a")).toBe(a)
  cache.set("c", frame(40))
  expect(cache.get("a")).toBeUndefined()
  expect(cache.get("b")?.byteLength).toBe(40)
  expect(cache.size).toBe(80)
  cache.set("huge", frame(101))
  expect(cache.get("huge")).toBeUndefined()
  cache.set("b", frame(1))
  expect(cache.get("b")?.byteLength).toBe(40)
})
