/**
 * A Redis password in `server.event_log.redis_url` never leaves the process: not in `GET /global/config`,
 * a PATCH answer, a `config.updated` event (live or replayed after a restart), the metrics, the log
 * lines (json and pretty), nor an error message quoting a URL refused for its form. A client that
 * PATCHes back the config it got keeps the real URL in the file. And the effective config names the
 * log in force, as chosen by the flags, not the file's.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { publish } from "../helpers/instances.ts"
import { type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { isolatedEnv, killAll, runCli, type ServerProcess, startServe } from "../helpers/server-process.ts"
import { connectSse, type SseConnection } from "../helpers/sse.ts"

const PASSWORD = "hunter2-redis-secret"

let redis: RedisServer
const dir = mkdtempSync(join(tmpdir(), "tether-redaction-"))
const env = { ...isolatedEnv(dir), TETHER_REDIS_URL: undefined }

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD })
})

afterAll(async () => {
  await killAll()
  await redis.stop()
})

const shownUrl = () => `redis://***@127.0.0.1:${redis.port}`

const getConfig = async (server: ServerProcess): Promise<{ text: string; json: ConfigShape }> => {
  const text = await (await fetch(`${server.url}/global/config`)).text()
  return { text, json: JSON.parse(text) as ConfigShape }
}

interface ConfigShape {
  server: { event_stream: { heartbeat_ms: number }; event_log: { kind: string; redis_url?: string } }
}

const patchConfig = (server: ServerProcess, body: unknown) =>
  fetch(`${server.url}/global/config`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  })

const nextOfType = async (stream: SseConnection, type: string) => {
  const event = (await stream.until((seen) => seen.type === type, 20_000)).at(-1)
  if (event === undefined) throw new Error(`no ${type} event`)
  return event
}

test("the password of the config file's redis_url shows nowhere: GET, PATCH, config.updated live and replayed, metrics, logs", async () => {
  const file = join(dir, "redis.json")
  const fileText = JSON.stringify({ server: { event_log: { kind: "redis", redis_url: redis.url } } }, null, 2)
  writeFileSync(file, fileText)
  expect(redis.url).toContain(PASSWORD)
  const args = ["--port", "0", "--config", file, "--log-level", "debug"]
  const first = await startServe([...args, "--log-format", "json"], { env, cwd: dir })

  const got = await getConfig(first)
  expect(got.text).not.toContain(PASSWORD)
  expect(got.json.server.event_log).toEqual({ kind: "redis", redis_url: shownUrl() })

  const stream = await connectSse(first.url)
  expect((await stream.next())?.type).toBe("server.connected")
  const before = await publish(first.url, "before.patch")
  expect(before.status).toBe(202)
  const patched = await patchConfig(first, { server: { event_stream: { heartbeat_ms: 2000 } } })
  const patchedText = await patched.text()
  expect(patched.status).toBe(200)
  expect(patchedText).not.toContain(PASSWORD)
  const live = await nextOfType(stream, "config.updated")
  stream.close()
  expect(live.raw).not.toContain(PASSWORD)
  const liveConfig = (live.properties as { config: ConfigShape }).config
  expect(liveConfig.server.event_log.redis_url).toBe(shownUrl())
  expect(liveConfig.server.event_stream.heartbeat_ms).toBe(2000)

  // A client that PATCHes back all it got (redacted URL included) keeps the real URL in the file.
  const echoed = structuredClone(got.json)
  echoed.server.event_stream.heartbeat_ms = 3000
  const echo = await patchConfig(first, echoed)
  expect(echo.status).toBe(200)
  expect(await echo.text()).not.toContain(PASSWORD)
  expect(readFileSync(file, "utf8")).toContain(redis.url)
  expect(readFileSync(file, "utf8")).toContain('"heartbeat_ms": 3000')
  // Another URL with hidden credentials would put `***` in the file as the password: refused.
  const hidden = await patchConfig(first, { server: { event_log: { redis_url: "redis://***@127.0.0.1:1" } } })
  expect(hidden.status).toBe(400)
  expect(await hidden.text()).toContain("server.event_log.redis_url")
  expect(readFileSync(file, "utf8")).toContain(redis.url)

  const metrics = await (await fetch(`${first.url}/global/metrics`)).text()
  expect(metrics).not.toContain(PASSWORD)
  expect(await first.stop()).toBe(0)
  expect(first.stderr()).toContain('"level":"info"')
  expect(first.stderr()).not.toContain(PASSWORD)

  // After a restart the stored config.updated replays, still without the password.
  const second = await startServe([...args, "--log-format", "pretty"], { env, cwd: dir })
  const replay = await connectSse(second.url, { lastEventId: before.id ?? "" })
  const replayed = await nextOfType(replay, "config.updated")
  replay.close()
  expect(replayed.id).not.toBeNull()
  expect(replayed.raw).not.toContain(PASSWORD)
  expect((replayed.properties as { config: ConfigShape }).config.server.event_log.redis_url).toBe(shownUrl())
  expect((await getConfig(second)).text).not.toContain(PASSWORD)
  expect(await second.stop()).toBe(0)
  expect(second.stderr()).toContain("INFO")
  expect(second.stderr()).not.toContain(PASSWORD)
})

test("GET /global/config names the event log the flags chose, not the file's", async () => {
  const file = join(dir, "sqlite.json")
  writeFileSync(file, JSON.stringify({ server: { event_log: { kind: "sqlite" } } }))
  const onRedis = await startServe(
    ["--port", "0", "--config", file, "--event-log", "redis", "--redis-url", redis.url],
    { env, cwd: dir },
  )
  const got = await getConfig(onRedis)
  expect(got.json.server.event_log).toEqual({ kind: "redis", redis_url: shownUrl() })
  expect(got.text).not.toContain(PASSWORD)
  // Sent back as shown, the redacted URL is not written into a file that had none.
  const echo = await patchConfig(onRedis, got.json)
  expect(echo.status).toBe(200)
  expect(readFileSync(file, "utf8")).not.toContain("redis_url")
  expect(await onRedis.stop()).toBe(0)
  expect(onRedis.stderr()).not.toContain(PASSWORD)

  // TETHER_REDIS_URL too; and `--event-log memory` over a file that says redis.
  const fromEnv = await startServe(["--port", "0", "--config", file, "--event-log", "redis"], {
    env: { ...env, TETHER_REDIS_URL: redis.url },
    cwd: dir,
  })
  expect((await getConfig(fromEnv)).json.server.event_log).toEqual({ kind: "redis", redis_url: shownUrl() })
  expect(await fromEnv.stop()).toBe(0)
  const redisFile = join(dir, "redis-kind.json")
  writeFileSync(redisFile, JSON.stringify({ server: { event_log: { kind: "redis", redis_url: redis.url } } }))
  const inMemory = await startServe(["--port", "0", "--config", redisFile, "--event-log", "memory"], {
    env,
    cwd: dir,
  })
  const memory = await getConfig(inMemory)
  expect(memory.json.server.event_log.kind).toBe("memory")
  expect(memory.text).not.toContain(PASSWORD)
  expect(await inMemory.stop()).toBe(0)
})

test("a Redis URL refused for its form is quoted without its password (flag, env, config file)", async () => {
  const bad = `redis://:${PASSWORD}@127.0.0.1`
  const flag = await runCli(["serve", "--port", "0", "--event-log", "redis", "--redis-url", bad], {
    env,
    cwd: dir,
  })
  expect(flag.code).toBe(2)
  expect(flag.stderr).toContain("--redis-url: expected redis://HOST:PORT[/DB]")
  expect(flag.stderr).toContain('"redis://***@127.0.0.1"')
  const fromEnv = await runCli(["serve", "--port", "0", "--event-log", "redis"], {
    env: { ...env, TETHER_REDIS_URL: bad },
    cwd: dir,
  })
  expect(fromEnv.code).toBe(2)
  expect(fromEnv.stderr).toContain("TETHER_REDIS_URL: expected")
  const file = join(dir, "bad.json")
  writeFileSync(file, JSON.stringify({ server: { event_log: { kind: "redis", redis_url: bad } } }))
  const validate = await runCli(["config", "validate", file], { env, cwd: dir })
  expect(validate.code).toBe(1)
  expect(validate.stderr).toContain("server.event_log.redis_url")
  expect(validate.stderr).toContain("redis://***@127.0.0.1")
  const serve = await runCli(["serve", "--port", "0", "--config", file], { env, cwd: dir })
  expect(serve.code).toBe(1)
  for (const run of [flag, fromEnv, validate, serve]) {
    expect(run.stderr).not.toContain(PASSWORD)
    expect(run.stdout).not.toContain(PASSWORD)
  }
})
