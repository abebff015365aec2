/**
 * Access rules on a real `tether serve` process: forged Host, foreign Origin, preflights, the
 * password on every endpoint, `?token=` on the event stream only, and the refused non-loopback bind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { run, stopAll } from "./fixtures/ops-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const PASSWORD = "correct horse:battery"
const APP_ORIGIN = "http://localhost:5173"
const dir = mkdtempSync(join(tmpdir(), "tether-ops-access-"))
let base = ""

beforeAll(async () => {
  const config = join(dir, "tether.jsonc")
  writeFileSync(config, JSON.stringify({ server: { cors: [APP_ORIGIN], allowed_hosts: ["tether.test"] } }))
  const server = run([MAIN, "serve", "--port", "0", "--config", config, "--data-dir", join(dir, "data")], {
    TETHER_SERVER_PASSWORD: PASSWORD,
    XDG_CONFIG_HOME: join(dir, "xdg"),
  })
  const [, url] = await server.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/)
  base = url as string
})

afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

const bearer = { authorization: `Bearer ${PASSWORD}` }
const basic = (user: string, password = PASSWORD) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
})

/** Every endpoint, with a body that the route accepts. */
const ENDPOINTS: { method: string; path: string; body?: string; ok: number }[] = [
  { method: "GET", path: "/global/health", ok: 200 },
  { method: "GET", path: "/global/health/ready", ok: 200 },
  { method: "GET", path: "/global/config", ok: 200 },
  { method: "PATCH", path: "/global/config", body: "{}", ok: 200 },
  { method: "POST", path: "/global/event", body: '{"type":"ops.access","properties":{}}', ok: 202 },
  { method: "GET", path: "/global/event", ok: 200 },
]

const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
  const controller = new AbortController()
  const response = await fetch(`${base}${path}`, { ...init, signal: controller.signal })
  // Streams never end on their own: read the status, then hang up.
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) controller.abort()
  return response
}

const errorName = async (response: Response): Promise<string> =>
  ((await response.json()) as { error: { name: string } }).error.name

describe("password", () => {
  test("missing or wrong credentials → 401 with WWW-Authenticate on every endpoint", async () => {
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      basic("me", "nope"),
      { authorization: `Bearer ${PASSWORD}x` },
      { authorization: `Bearer ${PASSWORD.slice(1)}` },
    ]
    for (const endpoint of ENDPOINTS) {
      for (const headers of wrong) {
        const response = await call(endpoint.path, { method: endpoint.method, headers, body: endpoint.body })
        expect({ ...endpoint, headers, status: response.status }).toEqual({
          ...endpoint,
          headers,
          status: 401,
        })
        expect(response.headers.get("www-authenticate")).toContain('Basic realm="tether"')
        expect(await errorName(response)).toBe("Unauthorized")
      }
    }
  })

  test("Bearer, or Basic with any user name, opens every endpoint", async () => {
    for (const endpoint of ENDPOINTS) {
      for (const headers of [bearer, basic("anyone"), basic("")]) {
        const response = await call(endpoint.path, { method: endpoint.method, headers, body: endpoint.body })
        expect({ ...endpoint, status: response.status }).toEqual({ ...endpoint, status: endpoint.ok })
      }
    }
  })

  test("?token= opens the event stream and nothing else", async () => {
    const token = `token=${encodeURIComponent(PASSWORD)}`
    const stream = await call(`/global/event?${token}`)
    expect(stream.status).toBe(200)
    expect(stream.headers.get("content-type")).toBe("text/event-stream")
    expect((await call("/global/event?token=wrong")).status).toBe(401)
    for (const endpoint of ENDPOINTS.filter((e) => e.path !== "/global/event")) {
      const response = await call(`${endpoint.path}?${token}`, {
        method: endpoint.method,
        body: endpoint.body,
      })
      expect({ ...endpoint, status: response.status }).toEqual({ ...endpoint, status: 401 })
    }
    // POST to the stream's path is a publish: no token there either.
    expect((await call(`/global/event?${token}`, { method: "POST", body: ENDPOINTS[4]?.body })).status).toBe(
      401,
    )
  })
})

describe("Host and Origin", () => {
  test("a forged Host → 403 before the password is even looked at", async () => {
    for (const host of ["attacker.example", `attacker.example:${new URL(base).port}`, "127.0.0.1.nip.io"]) {
      const response = await call("/global/config", { headers: { ...bearer, host } })
      expect(response.status).toBe(403)
      expect(await errorName(response)).toBe("HostNotAllowed")
    }
    // Loopback names and server.allowed_hosts pass, with any port.
    for (const host of ["localhost:1234", "[::1]", "tether.test:443"]) {
      expect((await call("/global/health", { headers: { ...bearer, host } })).status).toBe(200)
    }
  })

  test("a foreign Origin → 403 on every endpoint, the stream and preflights included", async () => {
    for (const endpoint of ENDPOINTS) {
      const response = await call(endpoint.path, {
        method: endpoint.method,
        headers: { ...bearer, origin: "http://attacker.example" },
        body: endpoint.body,
      })
      expect({ ...endpoint, status: response.status }).toEqual({ ...endpoint, status: 403 })
      expect(await errorName(response)).toBe("OriginNotAllowed")
    }
    const preflight = await call("/global/config", {
      method: "OPTIONS",
      headers: { origin: "http://attacker.example", "access-control-request-method": "PATCH" },
    })
    expect(preflight.status).toBe(403)
  })

  test("a server.cors origin: preflight answered without credentials, CORS headers on answers and the stream", async () => {
    const preflight = await call("/global/config", {
      method: "OPTIONS",
      headers: {
        origin: APP_ORIGIN,
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "authorization,content-type",
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN)
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PATCH")
    const config = await call("/global/config", { headers: { ...bearer, origin: APP_ORIGIN } })
    expect(config.status).toBe(200)
    expect(config.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN)
    expect(config.headers.get("vary")).toContain("Origin")
    const stream = await call(`/global/event?token=${encodeURIComponent(PASSWORD)}`, {
      headers: { origin: APP_ORIGIN },
    })
    expect(stream.status).toBe(200)
    expect(stream.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN)
    // The server's own origin needs no CORS.
    const own = await call("/global/health", { headers: { ...bearer, origin: base } })
    expect(own.status).toBe(200)
  })
})

describe("bodies", () => {
  test("malformed JSON, wrong types and huge bodies → 400 with a clear message", async () => {
    const malformed = await call("/global/config", { method: "PATCH", headers: bearer, body: '{"server":' })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain(
      "not valid JSON",
    )
    const array = await call("/global/config", { method: "PATCH", headers: bearer, body: "[]" })
    expect(array.status).toBe(400)
    expect(((await array.json()) as { error: { message: string } }).error.message).toContain(
      "must be a JSON object",
    )
    const wrongType = await call("/global/config", {
      method: "PATCH",
      headers: bearer,
      body: '{"server":{"port":"80"}}',
    })
    expect(wrongType.status).toBe(400)
    expect(await errorName(wrongType)).toBe("ConfigInvalid")
    const huge = await call("/global/config", {
      method: "PATCH",
      headers: bearer,
      body: `{"x":"${"a".repeat(2 * 1024 * 1024)}"}`,
    })
    expect(huge.status).toBe(400)
    expect(await errorName(huge)).toBe("PayloadTooLarge")
  })
})

describe("bind", () => {
  test("a non-loopback address without a password is refused at start: why and how, exit 1", async () => {
    const refused = run(
      [MAIN, "serve", "--hostname", "0.0.0.0", "--port", "0", "--data-dir", join(dir, "data2")],
      {
        TETHER_SERVER_PASSWORD: "",
      },
    )
    expect(await refused.proc.exited).toBe(1)
    const stderr = refused.stderr.join("\n")
    expect(stderr).toContain("refusing to listen on 0.0.0.0 without a password")
    expect(stderr).toContain("TETHER_SERVER_PASSWORD")
    expect(stderr).toContain("--hostname 127.0.0.1")
    expect(refused.stdout.join("\n")).not.toContain("tether listening")
  })
})
