/**
 * `tether serve` as a real process: the listening line, the heartbeat at the configured cadence,
 * the default heartbeat reported, a refused config, config validate/schema, and a clean SIGTERM.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killAll, runCli, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-cli-"))
// No config file is found by lookup from here, whatever the machine's XDG dir holds.
const isolated = {
  XDG_CONFIG_HOME: join(dir, "xdg-config"),
  XDG_DATA_HOME: join(dir, "xdg-data"),
  TETHER_CONFIG: undefined,
}

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const writeConfig = (name: string, value: unknown): string => {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(value))
  return path
}

describe("tether serve", () => {
  test("a configured heartbeat_ms: 1000 streams a heartbeat every second", async () => {
    const config = writeConfig("heartbeat-1000.json", { server: { event_stream: { heartbeat_ms: 1000 } } })
    const server = await startServe(["--port", "0", "--config", config, "--event-log", "memory"], {
      env: isolated,
    })
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const stream = await connectSse(server.url)
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream")
    const connected = await stream.next()
    expect(connected?.type).toBe("server.connected")
    expect(connected?.properties.heartbeat_ms).toBe(1000)
    const start = Date.now()
    const times: number[] = []
    while (Date.now() - start < 4500) {
      const event = await stream.next(3000)
      if (event?.type === "server.heartbeat") {
        times.push(Date.now())
        expect(event.id).toBeNull()
        expect(event.properties).toEqual({ heartbeat_ms: 1000 })
      }
    }
    stream.close()
    // 4.5 s at 1 s: 4 ticks, give or take one on a loaded machine; never the 10 s default.
    expect(times.length).toBeGreaterThanOrEqual(3)
    expect(times.length).toBeLessThanOrEqual(6)
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(500)
      expect(gap).toBeLessThan(1900)
    }
    expect(await server.stop("SIGTERM")).toBe(0)
  }, 30_000)

  test("without a config, server.connected reports the default heartbeat_ms 10000, after retry:", async () => {
    const server = await startServe(["--port", "0", "--data-dir", join(dir, "data-default")], {
      env: isolated,
      cwd: dir,
    })
    const stream = await connectSse(server.url)
    const connected = await stream.next()
    expect(stream.retries).toEqual([500])
    expect(connected?.type).toBe("server.connected")
    expect(connected?.id).toBeNull()
    expect(connected?.envelopeId).toBe("")
    expect(connected?.properties.heartbeat_ms).toBe(10_000)
    expect(typeof connected?.properties.instance).toBe("string")
    // An empty log still names a position to resume after: the one before its first id.
    expect(connected?.properties.last_event_id).toMatch(/^\d{16}$/)
    stream.close()
    expect(await server.stop("SIGINT")).toBe(0)
  })

  test("heartbeat_ms: 500 is refused before listening, naming the key, the range and the value", async () => {
    const config = writeConfig("heartbeat-500.json", { server: { event_stream: { heartbeat_ms: 500 } } })
    const result = await runCli(["serve", "--port", "0", "--config", config, "--event-log", "memory"], {
      env: isolated,
    })
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain("listening")
    expect(result.stderr).toContain(config)
    expect(result.stderr).toContain("server.event_stream.heartbeat_ms")
    expect(result.stderr).toContain("1000")
    expect(result.stderr).toContain("60000")
    expect(result.stderr).toContain("500")
  })

  test("a missing --config file and a bad flag are refused with exit codes 1 and 2", async () => {
    const missing = await runCli(["serve", "--port", "0", "--config", join(dir, "nope.jsonc")], {
      env: isolated,
    })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("nope.jsonc")
    const badPort = await runCli(["serve", "--port", "http"], { env: isolated })
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toContain("--port")
    const unknown = await runCli(["serve", "--colour"], { env: isolated })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("colour")
  })

  test("readiness limits out of range are refused with the flag, the range and the value", async () => {
    for (const [flag, value, range] of [
      ["--ready-deadline-ms", "0", "from 50 to 60000"],
      ["--ready-deadline-ms", "1.5", "from 50 to 60000"],
      ["--ready-max-lag-ms", "-3", "from 10 to 60000"],
      ["--ready-max-lag-ms", "60001", "from 10 to 60000"],
    ] as const) {
      const result = await runCli(["serve", "--port", "0", "--event-log", "memory", `${flag}=${value}`], {
        env: isolated,
      })
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`${flag} expects an integer ${range} (ms), got "${value}"`)
      expect(result.stdout).not.toContain("listening")
    }
  })

  test("a port in use and an unusable data dir are refused with exit 1 and say why", async () => {
    const first = await startServe(["--port", "0", "--event-log", "memory"], { env: isolated })
    const taken = await runCli(["serve", "--port", String(first.port), "--event-log", "memory"], {
      env: isolated,
    })
    expect(taken.code).toBe(1)
    expect(taken.stderr).toContain(`Cannot listen on http://127.0.0.1:${first.port}`)
    expect(await first.stop("SIGTERM")).toBe(0)
    const file = writeConfig("not-a-dir", {})
    const badDir = await runCli(["serve", "--port", "0", "--data-dir", join(file, "data")], { env: isolated })
    expect(badDir.code).toBe(1)
    expect(badDir.stderr).toContain("Cannot open the event log")
    expect(badDir.stderr).toContain(join(file, "data"))
    expect(badDir.stdout).not.toContain("listening")
  }, 30_000)

  test("SIGTERM ends open streams normally and exits 0", async () => {
    const server = await startServe(["--port", "0", "--data-dir", join(dir, "data-term")], { env: isolated })
    const stream = await connectSse(server.url)
    await stream.next()
    const exited = server.stop("SIGTERM")
    // The stream ends cleanly (done), it is not left hanging.
    expect(await stream.next(10_000)).toBeNull()
    expect(await exited).toBe(0)
  })
})

describe("tether config", () => {
  test("validate: exit 0 for a valid file, 1 with the message for an invalid one", async () => {
    const good = writeConfig("good.json", { server: { event_stream: { heartbeat_ms: 1000 } } })
    const ok = await runCli(["config", "validate", good], { env: isolated })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain("valid")
    const bad = writeConfig("bad.json", { server: { event_stream: { heartbeat_ms: 60_001 } } })
    const refused = await runCli(["config", "validate", bad], { env: isolated })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("server.event_stream.heartbeat_ms")
    expect(refused.stderr).toContain("60001")
    const missing = await runCli(["config", "validate", join(dir, "absent.jsonc")], { env: isolated })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain(
      `${join(dir, "absent.jsonc")} (given to tether config validate): no such file`,
    )
  })

  test("schema prints the JSON Schema of the config", async () => {
    const result = await runCli(["config", "schema"], { env: isolated })
    expect(result.code).toBe(0)
    const schema = JSON.parse(result.stdout) as { properties: { server: unknown } }
    expect(schema.properties.server).toBeDefined()
    expect(result.stdout).toContain("heartbeat_ms")
  })

  test("--help lists the commands; an unknown command exits 2", async () => {
    const help = await runCli(["--help"], { env: isolated })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("tether serve")
    expect(help.stdout).toContain("tether config validate")
    const unknown = await runCli(["frobnicate"], { env: isolated })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("frobnicate")
  })
})
