/**
 * Without Redis: a `server.event_log.redis_url` with a password in the config file of a server on the
 * SQLite log (the key is valid there, only unused) never goes out. `GET /global/config`, a
 * `config.updated` on a live stream and its replay from the SQLite log after a restart show it with
 * `***@`, and no log line carries it. The same with a real Redis is in `test/redis/config-redaction.test.ts`.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isolatedEnv, killAll, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const SECRET = "Unused-But-Secret-42"
const dir = mkdtempSync(join(tmpdir(), "tether-config-redis-url-"))
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

test("an unused redis_url's password is in no config, event or log line of a SQLite server", async () => {
  const file = join(dir, "tether.jsonc")
  const url = `redis://app:${SECRET}@127.0.0.1:6399/1`
  writeFileSync(file, `{ "server": { "event_log": { "kind": "sqlite", "redis_url": "${url}" } } }\n`)
  const args = ["--port", "0", "--config", file, "--data-dir", join(dir, "data"), "--log-level", "debug"]
  const options = { env: { ...isolatedEnv(dir), TETHER_REDIS_URL: undefined }, cwd: dir }
  const shown = { kind: "sqlite", redis_url: "redis://***@127.0.0.1:6399/1" }

  const json = await startServe([...args, "--log-format", "json"], options)
  const got = await (await fetch(`${json.url}/global/config`)).json()
  expect(got.server.event_log).toEqual(shown)
  const stream = await connectSse(json.url)
  expect((await stream.next())?.type).toBe("server.connected")
  const before = await fetch(`${json.url}/global/event`, { method: "POST", body: '{"type":"before.patch"}' })
  const { id } = (await before.json()) as { id: string }
  const patched = await fetch(`${json.url}/global/config`, {
    method: "PATCH",
    body: JSON.stringify({ server: { event_stream: { heartbeat_ms: 2000 } } }),
  })
  expect(patched.status).toBe(200)
  const live = (await stream.until((event) => event.type === "config.updated")).at(-1)
  stream.close()
  expect(live?.raw).not.toContain(SECRET)
  expect(live?.raw).toContain(shown.redis_url)
  expect(readFileSync(file, "utf8")).toContain(url)
  expect(await json.stop()).toBe(0)

  const pretty = await startServe([...args, "--log-format", "pretty"], options)
  const replay = await connectSse(pretty.url, { lastEventId: id })
  const replayed = (await replay.until((event) => event.type === "config.updated")).at(-1)
  replay.close()
  expect(replayed?.id).toBe(live?.id ?? "")
  expect(replayed?.raw).not.toContain(SECRET)
  expect(await pretty.stop()).toBe(0)

  for (const server of [json, pretty]) {
    expect(server.stderr()).toContain("listening")
    expect(server.stderr()).not.toContain(SECRET)
  }
})
