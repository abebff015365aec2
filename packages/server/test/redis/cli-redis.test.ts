/**
 * `tether serve --event-log redis` at the edges: how it is chosen and refused, an unreachable Redis at
 * start, and a clean SIGTERM.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { publish } from "../helpers/instances.ts"
import { freePort, type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, runCli, startServe } from "../helpers/server-process.ts"

let redis: RedisServer
const dir = mkdtempSync(join(tmpdir(), "tether-cli-redis-"))
// No config file from the environment or the working directory.
const isolated = {
  env: { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: undefined, TETHER_REDIS_URL: undefined },
  cwd: dir,
}

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  await killAll()
  await redis.stop()
})

test("a wrong --event-log or --redis-url is refused with exit 2, naming the flag and the value", async () => {
  const kind = await runCli(["serve", "--port", "0", "--event-log", "postgres"], isolated)
  expect(kind.code).toBe(2)
  expect(kind.stderr).toContain('--event-log expects sqlite, memory or redis, got "postgres"')
  const url = await runCli(
    ["serve", "--port", "0", "--event-log", "redis", "--redis-url", "127.0.0.1:6379"],
    isolated,
  )
  expect(url.code).toBe(2)
  expect(url.stderr).toContain("--redis-url: expected redis://HOST:PORT[/DB]")
  const none = await runCli(["serve", "--port", "0", "--event-log", "redis"], isolated)
  expect(none.code).toBe(2)
  expect(none.stderr).toContain("TETHER_REDIS_URL, or server.event_log.redis_url")
})

test("tether serve --help names --redis-url and TETHER_REDIS_URL", async () => {
  const help = await runCli(["serve", "--help"], isolated)
  expect(help.code).toBe(0)
  expect(help.stdout).toContain("--event-log sqlite|memory|redis")
  expect(help.stdout).toContain("--redis-url URL")
  expect(help.stdout).toContain("TETHER_REDIS_URL")
})

test("an unreachable Redis at start: exit 1 with the address (password hidden), nothing listening", async () => {
  const port = await freePort()
  const down = await runCli(
    ["serve", "--port", "0", "--event-log", "redis", "--redis-url", `redis://:hunter2@127.0.0.1:${port}`],
    isolated,
  )
  expect(down.code).toBe(1)
  expect(down.stderr).toContain(`Cannot open the event log in Redis at redis://***@127.0.0.1:${port}`)
  expect(down.stderr).not.toContain("hunter2")
  expect(down.stdout).not.toContain("listening")
})

test("the config file and TETHER_REDIS_URL choose the redis log; SIGTERM exits 0", async () => {
  const config = join(dir, "tether.json")
  writeFileSync(
    config,
    JSON.stringify({ server: { event_log: { kind: "redis", redis_url: "redis://127.0.0.1:1" } } }),
  )
  // TETHER_REDIS_URL wins over the file's unreachable URL.
  const server = await startServe(["--port", "0", "--config", config], {
    ...isolated,
    env: { ...isolated.env, TETHER_REDIS_URL: redis.url },
  })
  const sent = await publish(server.url, "configured")
  expect(sent.id).toMatch(/^[0-9a-f]{12}-\d+$/)
  expect(await redis.cli("XLEN", "{tether}:events")).not.toBe("0")
  expect(await server.stop("SIGTERM")).toBe(0)
})
