/**
 * The lifecycle log of a real `tether serve`, in both formats: one line per event on stderr (stdout
 * keeps only the listening line), the level honoured, and the password, given through the
 * environment, an `Authorization` header (Bearer and Basic) and `?token=`, in no line at all.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FAULT_ENTRY, killAll, runCli, type ServerProcess, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const PASSWORD = "s3cret-Pa55word-for-logs"
const dir = mkdtempSync(join(tmpdir(), "tether-logs-"))
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const bearer = { Authorization: `Bearer ${PASSWORD}` }

const start = async (name: string, flags: readonly string[]): Promise<ServerProcess> => {
  const config = join(dir, `${name}.jsonc`)
  writeFileSync(config, `{ "server": { "event_stream": { "heartbeat_ms": 1000 } } }\n`)
  return startServe(["--port", "0", "--config", config, "--data-dir", join(dir, name), ...flags], {
    env: { TETHER_SERVER_PASSWORD: PASSWORD, XDG_CONFIG_HOME: join(dir, "xdg") },
  })
}

/** Everything that may bring the password near a log line, then a clean stop. */
const exercise = async (server: ServerProcess, awaited: RegExp, count: number): Promise<string[]> => {
  const stream = await connectSse(server.url, { query: `?token=${encodeURIComponent(PASSWORD)}` })
  expect((await stream.next())?.type).toBe("server.connected")
  stream.close()
  const resync = await connectSse(server.url, {
    query: `?token=${encodeURIComponent(PASSWORD)}&last_event_id=unknown`,
  })
  await resync.until((event) => event.type === "server.resync")
  resync.close()
  const published = await fetch(`${server.url}/global/event`, {
    method: "POST",
    headers: bearer,
    body: JSON.stringify({ type: "test.logs", properties: { note: "hello" } }),
  })
  expect(published.status).toBe(202)
  const basic = `Basic ${Buffer.from(`me:${PASSWORD}`).toString("base64")}`
  expect((await fetch(`${server.url}/global/config`, { headers: { Authorization: basic } })).status).toBe(200)
  const patched = await fetch(`${server.url}/global/config`, {
    method: "PATCH",
    headers: { ...bearer, "Content-Type": "application/json" },
    body: JSON.stringify({ server: { event_stream: { heartbeat_ms: 2000 } } }),
  })
  expect(patched.status).toBe(200)
  // The metrics are behind the password too; the token is accepted on the event stream only.
  expect((await fetch(`${server.url}/global/metrics`)).status).toBe(401)
  expect((await fetch(`${server.url}/global/metrics?token=${PASSWORD}`)).status).toBe(401)
  const metrics = await fetch(`${server.url}/global/metrics`, { headers: bearer })
  expect(metrics.status).toBe(200)
  expect(await metrics.text()).toContain('tether_stream_refusals_total{reason="auth"} 0')
  expect((await fetch(`${server.url}/global/event?token=not-it`)).status).toBe(401)
  const deadline = Date.now() + 10_000
  while ((server.stderr().match(awaited) ?? []).length < count && Date.now() < deadline) await Bun.sleep(20)
  expect(await server.stop("SIGTERM")).toBe(0)
  const lines = server
    .stderr()
    .split("\n")
    .filter((line) => line !== "")
  for (const line of lines) expect(line).not.toContain(PASSWORD)
  expect(server.stderr()).not.toContain(Buffer.from(`me:${PASSWORD}`).toString("base64"))
  return lines
}

describe("tether serve logs", () => {
  test("--log-format json --log-level debug: one JSON object per lifecycle line, no password", async () => {
    const server = await start("json", ["--log-format", "json", "--log-level", "debug"])
    const lines = await exercise(server, /"message":"stream closed"/g, 2)
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    for (const entry of entries) {
      expect(typeof entry.time).toBe("string")
      expect(["debug", "info", "warn", "error"]).toContain(entry.level as string)
      expect(typeof entry.message).toBe("string")
    }
    const find = (message: string | RegExp) =>
      entries.find((entry) =>
        typeof message === "string" ? entry.message === message : message.test(entry.message as string),
      )
    expect(find("starting")).toMatchObject({
      level: "info",
      version: expect.any(String),
      config: join(dir, "json.jsonc"),
      data_dir: join(dir, "json"),
      event_log: "sqlite",
      heartbeat_ms: 1000,
    })
    expect(find("listening")).toMatchObject({ url: server.url })
    expect(find("stream opened")).toMatchObject({ level: "debug" })
    expect(find("stream closed")).toMatchObject({ level: "debug", reason: "client" })
    expect(find(/^resync sent/)).toMatchObject({ requested: "unknown" })
    expect(find(/applied server\.event_stream\.heartbeat_ms/)).toMatchObject({ level: "info" })
    expect(find(/^shutting down/)).toMatchObject({ event_log: "sqlite" })
    expect(find(/^stopped/)?.message).toContain("event log flushed and closed")
  }, 60_000)

  test("pretty (the default) at info: readable lines, no debug lines, no password", async () => {
    const server = await start("pretty", [])
    const lines = await exercise(server, /resync sent/g, 1)
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN |ERROR) tether: /)
    }
    const text = lines.join("\n")
    expect(text).toContain("tether: starting version=")
    expect(text).toContain(`tether: listening url=${server.url}`)
    expect(text).not.toContain("stream opened")
    expect(text).toContain("shutting down")
  }, 60_000)

  test("an event-log error is logged at error level and counted", async () => {
    const config = join(dir, "failing.jsonc")
    writeFileSync(config, "{}\n")
    const server = await startServe(
      ["--port", "0", "--config", config, "--data-dir", join(dir, "failing"), "--log-format", "json"],
      { env: { TETHER_TEST_FAULT: "store-fail", XDG_CONFIG_HOME: join(dir, "xdg") }, entry: FAULT_ENTRY },
    )
    const published = await fetch(`${server.url}/global/event`, {
      method: "POST",
      body: JSON.stringify({ type: "test.logs", properties: {} }),
    })
    expect(published.status).toBe(503)
    const metrics = await (await fetch(`${server.url}/global/metrics`)).text()
    expect(metrics).toContain('tether_event_log_errors_total{operation="append"} 1')
    expect(metrics).toContain("tether_events_published_total 0")
    expect(await server.stop("SIGTERM")).toBe(0)
    const errors = server
      .stderr()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { level: string; message: string })
      .filter((entry) => entry.level === "error")
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toContain("event log append failed")
  }, 60_000)

  test("--log-level warn keeps a healthy start silent; bad values are refused with what is accepted", async () => {
    const quiet = await start("quiet", ["--log-level", "warn"])
    expect(await quiet.stop("SIGTERM")).toBe(0)
    expect(quiet.stderr()).toBe("")
    const format = await runCli(["serve", "--log-format", "xml"])
    expect(format.code).toBe(2)
    expect(format.stderr).toContain('--log-format expects pretty or json, got "xml"')
    const level = await runCli(["serve", "--log-level", "verbose"])
    expect(level.code).toBe(2)
    expect(level.stderr).toContain('--log-level expects one of debug, info, warn, error, got "verbose"')
  }, 60_000)
})
