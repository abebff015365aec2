/**
 * Live config on a real `tether serve` with a config file: PATCH heartbeat 10000 → 1000 changes the
 * cadence of an open stream without a reconnect; an invalid PATCH changes nothing; hand edits apply,
 * broken ones are logged and the running config kept.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Config } from "@tether/core"
import { type Running, run, stopAll } from "./fixtures/ops-process.ts"
import { parseFrames, type SseEvent } from "./helpers/sse.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const dir = mkdtempSync(join(tmpdir(), "tether-ops-config-"))
const file = join(dir, "tether.jsonc")
const ORIGINAL = `{
  // the default cadence, spelled out
  "server": { "event_stream": { "heartbeat_ms": 10000 } },
}
`
let base = ""
let server: Running
/** Every event of the one stream opened at start, with its arrival time, read in the background. */
const events: { event: SseEvent; at: number }[] = []
let streamEnded = false
const hangUp = new AbortController()

const readStream = async (): Promise<void> => {
  const response = await fetch(`${base}/global/event`, { signal: hangUp.signal })
  const decoder = new TextDecoder()
  let buffer = ""
  try {
    for await (const chunk of response.body as ReadableStream<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      const parsed = parseFrames(buffer)
      buffer = parsed.rest
      const at = performance.now()
      for (const event of parsed.events) events.push({ event, at })
    }
  } catch {
    // aborted at the end
  }
  streamEnded = true
}

beforeAll(async () => {
  writeFileSync(file, ORIGINAL)
  server = run([MAIN, "serve", "--port", "0", "--config", file, "--data-dir", join(dir, "data")])
  const [, url] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  base = url as string
  void readStream()
}, 20_000)

afterAll(async () => {
  hangUp.abort()
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

const patch = (body: string) => fetch(`${base}/global/config`, { method: "PATCH", body })
const effective = async () =>
  ((await (await fetch(`${base}/global/config`)).json()) as Config).server.event_stream

/** Waits for an event after index `from` matching `predicate`; the stream must not end (no reconnect). */
const waitEvent = async (from: number, predicate: (event: SseEvent) => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = events.slice(from).find(({ event }) => predicate(event))
    if (found !== undefined) return found
    if (streamEnded) throw new Error("the stream ended")
    if (Date.now() > deadline) throw new Error(`no matching event within ${timeoutMs} ms`)
    await Bun.sleep(20)
  }
}

test("PATCH heartbeat 10000 → 1000: the open stream beats every second from then on, no reconnect", async () => {
  const { event: connected } = await waitEvent(0, () => true)
  expect(connected.type).toBe("server.connected")
  expect(connected.properties.heartbeat_ms).toBe(10_000)

  // Taken before the PATCH: config.updated may arrive before the PATCH's answer.
  const from = events.length
  const patchedAt = performance.now()
  const response = await patch('{"server":{"event_stream":{"heartbeat_ms":1000}}}')
  expect(response.status).toBe(200)
  expect(((await response.json()) as Config).server.event_stream.heartbeat_ms).toBe(1000)

  await Bun.sleep(4500)
  expect(streamEnded).toBe(false)
  const seen = events.slice(from).filter(({ at }) => at <= patchedAt + 4500)
  const updated = seen.find(({ event }) => event.type === "config.updated")
  expect(updated?.event.id).not.toBeNull()
  expect(updated?.event.properties.changed).toEqual(["server.event_stream.heartbeat_ms"])
  // Beats that were already on the wire when the PATCH went out do not count.
  const beats = seen.filter(({ event, at }) => event.type === "server.heartbeat" && at > patchedAt + 50)
  for (const { event } of beats) expect(event.properties.heartbeat_ms).toBe(1000)
  // Within one old interval (10 s) the new cadence is in force; here, within about one new interval.
  expect((beats[0]?.at ?? Number.POSITIVE_INFINITY) - patchedAt).toBeLessThan(2500)
  // About four beats in 4.5 s at 1000 ms (a loaded machine may delay one).
  expect(beats.length).toBeGreaterThanOrEqual(3)
  expect(beats.length).toBeLessThanOrEqual(5)
  const gaps = beats.slice(1).map((beat, i) => beat.at - (beats[i]?.at ?? 0))
  for (const gap of gaps) expect(Math.abs(gap - 1000)).toBeLessThan(500)

  // Written to the file in use, the user's comment kept.
  const text = readFileSync(file, "utf8")
  expect(text).toContain("// the default cadence, spelled out")
  expect(text).toContain('"heartbeat_ms": 1000')
}, 20_000)

test("an invalid PATCH → 400 ConfigInvalid with issues; the file and the running config untouched", async () => {
  const before = readFileSync(file, "utf8")
  const mtime = statSync(file).mtimeMs
  const response = await patch('{"server":{"event_stream":{"heartbeat_ms":500}}}')
  expect(response.status).toBe(400)
  const body = (await response.json()) as {
    error: { name: string; issues: { path: string; message: string }[] }
  }
  expect(body.error.name).toBe("ConfigInvalid")
  expect(body.error.issues[0]?.path).toBe("server.event_stream.heartbeat_ms")
  expect(body.error.issues[0]?.message).toContain("500")
  const unknown = await patch('{"server":{"heartbeat":1000}}')
  expect(unknown.status).toBe(400)
  expect(readFileSync(file, "utf8")).toBe(before)
  expect(statSync(file).mtimeMs).toBe(mtime)
  expect((await effective()).heartbeat_ms).toBe(1000)
}, 20_000)

test("a hand edit applies live and is announced on the stream", async () => {
  const from = events.length
  writeFileSync(file, ORIGINAL.replace("10000", "2000"))
  const updated = await waitEvent(from, (event) => event.type === "config.updated")
  expect(updated.event.properties.changed).toEqual(["server.event_stream.heartbeat_ms"])
  expect((await effective()).heartbeat_ms).toBe(2000)
  const after = events.length
  await Bun.sleep(2600)
  const beats = events.slice(after).filter(({ event }) => event.type === "server.heartbeat")
  for (const { event } of beats) expect(event.properties.heartbeat_ms).toBe(2000)
  expect(beats.length).toBeGreaterThanOrEqual(1)
}, 20_000)

test("a broken hand edit is logged with the core's message; the running config is kept", async () => {
  writeFileSync(file, ORIGINAL.replace("10000", "500"))
  const [line] = await server.waitFor("stderr", /Invalid config in .*tether\.jsonc/, 10_000)
  expect(line).toContain(file)
  await server.waitFor("stderr", /server\.event_stream\.heartbeat_ms: .*500/)
  await server.waitFor("stderr", /running config is kept/)
  expect((await effective()).heartbeat_ms).toBe(2000)
  writeFileSync(file, "{ this is not json")
  await server.waitFor("stderr", /Invalid config in .*tether\.jsonc:\n?.*/)
  await Bun.sleep(300)
  expect((await effective()).heartbeat_ms).toBe(2000)
  expect((await fetch(`${base}/global/health/ready`)).status).toBe(200)
}, 20_000)
