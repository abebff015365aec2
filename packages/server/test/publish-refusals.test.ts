/**
 * What `POST /global/event` refuses on a real `tether serve`, and that a refusal stores nothing: the
 * server's own types (a forged `config.updated` would show every app a config the server does not
 * have), strings the SQLite log could not store unchanged (a lone surrogate was acknowledged and sent
 * live as `\ud800` but replayed as U+FFFD after a restart), and nesting no client can walk.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killAll, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-publish-refusals-"))
const env = { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: "" }
const args = ["--port", "0", "--data-dir", join(dir, "data"), "--config", join(dir, "tether.jsonc")]

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

interface Refusal {
  readonly status: number
  readonly error: { name: string; message: string; issues?: { path: string; message: string }[] }
}

const post = async (base: string, body: string): Promise<Refusal & { id?: string }> => {
  const response = await fetch(`${base}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
  })
  const json = (await response.json()) as { id?: string; error: Refusal["error"] }
  return { status: response.status, ...json }
}

test("forged built-in types, lone surrogates and deep nesting: 400 EventInvalid naming the field, nothing stored, PATCH still announces", async () => {
  await Bun.write(join(dir, "tether.jsonc"), "{}\n")
  const server = await startServe(args, { env })
  const first = await post(server.url, '{"type":"test.first"}')
  expect(first.status).toBe(202)
  const live = await connectSse(server.url, { lastEventId: first.id as string })

  const forged = await post(
    server.url,
    '{"type":"config.updated","properties":{"config":{"server":{"event_stream":{"heartbeat_ms":60000}}},"changed":[]}}',
  )
  expect(forged.status).toBe(400)
  expect(forged.error.name).toBe("EventInvalid")
  expect(forged.error.issues?.[0]?.path).toBe("type")
  expect(forged.error.message).toMatch(/"config.updated" is reserved for the server's own events/)

  // The JSON text carries the escape; JSON.parse makes it a lone surrogate.
  const lone = await post(server.url, '{"type":"test.\\ud800"}')
  expect(lone.status).toBe(400)
  expect(lone.error.issues?.[0]?.path).toBe("type")
  expect(lone.error.message).toMatch(/type: is not well-formed Unicode: a lone surrogate \\ud800 at index 5/)
  const inKey = await post(server.url, '{"type":"test.key","properties":{"a":{"\\udc01":1}}}')
  expect(inKey.status).toBe(400)
  expect(inKey.error.issues?.[0]?.path).toBe("properties.a")

  const deep = await post(
    server.url,
    `{"type":"test.deep","properties":{"v":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`,
  )
  expect(deep.status).toBe(400)
  expect(deep.error.message).toBe("properties: nested 10001 levels deep, over the limit of 64 levels")
  expect(deep.error.issues?.[0]?.path).toBe("properties")

  // The server's own config.updated still goes out, and nothing refused above reached the stream.
  const patched = await fetch(`${server.url}/global/config`, {
    method: "PATCH",
    body: JSON.stringify({ server: { event_stream: { heartbeat_ms: 2000 } } }),
  })
  expect(patched.status).toBe(200)
  const last = await post(server.url, '{"type":"test.last","properties":{"s":"😀"}}')
  expect(last.status).toBe(202)
  const seen = await live.until((event) => event.type === "test.last", 10_000)
  live.close()
  const durable = (events: { id: string | null; type: string }[]) =>
    events.filter((event) => event.id !== null).map((event) => event.type)
  expect(durable(seen)).toEqual(["config.updated", "test.last"])
  const announced = seen.find((event) => event.type === "config.updated")
  expect(announced?.properties.changed).toEqual(["server.event_stream.heartbeat_ms"])

  // After a restart, the replay is what was acknowledged, byte for byte.
  expect(await server.stop()).toBe(0)
  const again = await startServe(args, { env })
  const replay = await connectSse(again.url, { lastEventId: first.id as string })
  const replayed = await replay.until((event) => event.type === "test.last", 10_000)
  replay.close()
  expect(durable(replayed)).toEqual(["config.updated", "test.last"])
  expect(replayed.at(-1)?.raw).toBe(seen.at(-1)?.raw)
  expect(await again.stop()).toBe(0)
}, 60_000)
