import { afterEach, describe, expect, test } from "bun:test"
import { type Config, defaultConfig } from "@tether/core"
import { createAccess } from "./access.ts"
import { readJsonObject } from "./body.ts"
import { HttpError } from "./http-error.ts"

const servers: { stop(force: boolean): unknown }[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true)
})

interface Setup {
  readonly base: string
  readonly port: number
  setConfig(next: Config): void
}

/** A real server on a free port whose routes echo, behind the access layer. */
const serve = (opts: { password?: string; config?: Config; maxBodyBytes?: number } = {}): Setup => {
  let config = opts.config ?? defaultConfig()
  let port = 0
  const access = createAccess({
    config: () => config,
    bound: () => ({ hostname: "127.0.0.1", port }),
    password: opts.password ?? "",
    maxBodyBytes: opts.maxBodyBytes ?? 1024,
  })
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const denied = access.check(request)
      if (denied !== null) return denied
      try {
        const body = request.method === "POST" ? await readJsonObject(request, access.maxBodyBytes) : null
        return access.decorate(request, Response.json({ ok: true, body }))
      } catch (error) {
        if (error instanceof HttpError) return access.decorate(request, error.toResponse())
        throw error
      }
    },
  })
  servers.push(server)
  port = server.port ?? 0
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    setConfig: (next) => {
      config = next
    },
  }
}

const withServer = (patch: Partial<Config["server"]>): Config => {
  const config = defaultConfig()
  return { ...config, server: { ...config.server, ...patch } }
}

const errorName = async (response: Response): Promise<string> =>
  ((await response.json()) as { error: { name: string } }).error.name

describe("Host check", () => {
  test("loopback names and the bound address pass, with any port", async () => {
    const { base } = serve()
    for (const host of ["127.0.0.1", "localhost:4096", "LOCALHOST", "[::1]:80", "127.0.0.1:1"]) {
      const response = await fetch(`${base}/x`, { headers: { host } })
      expect({ host, status: response.status }).toEqual({ host, status: 200 })
    }
  })

  test("a forged Host gets 403 HostNotAllowed", async () => {
    const { base } = serve()
    for (const host of ["evil.example", "evil.example:4096", "127.0.0.1.evil.example", "localhost.evil"]) {
      const response = await fetch(`${base}/global/health`, { headers: { host } })
      expect(response.status).toBe(403)
      expect(await errorName(response)).toBe("HostNotAllowed")
    }
  })

  test("server.allowed_hosts adds names, live when the config object changes", async () => {
    const setup = serve()
    expect((await fetch(`${setup.base}/x`, { headers: { host: "tether.test:8080" } })).status).toBe(403)
    setup.setConfig(withServer({ allowed_hosts: ["tether.test"] }))
    expect((await fetch(`${setup.base}/x`, { headers: { host: "tether.test:8080" } })).status).toBe(200)
  })
})

describe("Origin check and CORS", () => {
  test("the server's own origin passes without CORS headers", async () => {
    const { base, port } = serve()
    for (const origin of [base, `http://localhost:${port}`]) {
      const response = await fetch(`${base}/x`, { headers: { origin } })
      expect(response.status).toBe(200)
      expect(response.headers.get("access-control-allow-origin")).toBeNull()
    }
  })

  test("a foreign Origin gets 403 OriginNotAllowed, also on the event stream and preflights", async () => {
    const { base } = serve()
    for (const origin of ["http://evil.example", "null", "http://localhost:5173"]) {
      const response = await fetch(`${base}/global/event`, { headers: { origin } })
      expect(response.status).toBe(403)
      expect(await errorName(response)).toBe("OriginNotAllowed")
    }
    const preflight = await fetch(`${base}/global/config`, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "PATCH" },
    })
    expect(preflight.status).toBe(403)
  })

  test("an API request another site's page makes without an Origin gets 403 CrossSiteNotAllowed", async () => {
    const { base } = serve({ config: withServer({ cors: ["http://app.example"] }) })
    const fetchMeta = (path: string, site: string, mode: string, dest: string, origin?: string) =>
      fetch(`${base}${path}`, {
        headers: {
          "sec-fetch-site": site,
          "sec-fetch-mode": mode,
          "sec-fetch-dest": dest,
          ...(origin === undefined ? {} : { origin }),
        },
      })
    // <img>, <script>, a frame: refused on every API path, from another site or another port of
    // this one (every port of localhost is the same site to a browser).
    for (const [path, site, mode, dest] of [
      ["/global/event", "cross-site", "no-cors", "image"],
      ["/global/health", "cross-site", "no-cors", "script"],
      ["/global/config", "cross-site", "navigate", "iframe"],
      ["/global/event", "same-site", "no-cors", "image"],
    ] as const) {
      const response = await fetchMeta(path, site, mode, dest)
      expect({ path, status: response.status }).toEqual({ path, status: 403 })
      expect(await errorName(response)).toBe("CrossSiteNotAllowed")
    }
    // A link the user follows from another site, the app's own pages, same-origin and typed-in
    // requests, and a cross-site CORS request from an allowed origin all pass.
    for (const [path, site, mode, dest, origin] of [
      ["/global/health", "cross-site", "navigate", "document", undefined],
      ["/assets/app.js", "cross-site", "no-cors", "script", undefined],
      ["/global/health", "same-origin", "cors", "empty", undefined],
      ["/global/health", "none", "navigate", "document", undefined],
      ["/global/health", "cross-site", "cors", "empty", "http://app.example"],
    ] as const) {
      const response = await fetchMeta(path, site, mode, dest, origin)
      expect({ path, site, dest, status: response.status }).toEqual({ path, site, dest, status: 200 })
    }
  })

  test("a server.cors origin gets CORS headers and answered preflights, before the password", async () => {
    const origin = "http://localhost:5173"
    const { base } = serve({ config: withServer({ cors: [origin] }), password: "s3cret" })
    const preflight = await fetch(`${base}/global/config`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "PATCH",
        "access-control-request-headers": "authorization, content-type",
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PATCH")
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type")

    const stream = await fetch(`${base}/global/event?token=s3cret`, { headers: { origin } })
    expect(stream.status).toBe(200)
    expect(stream.headers.get("access-control-allow-origin")).toBe(origin)
    expect(stream.headers.get("access-control-allow-credentials")).toBe("true")

    // A 401 still carries CORS headers so the page can read why.
    const denied = await fetch(`${base}/global/health`, { headers: { origin } })
    expect(denied.status).toBe(401)
    expect(denied.headers.get("access-control-allow-origin")).toBe(origin)
  })
})

describe("password", () => {
  const endpoints: [string, string][] = [
    ["GET", "/global/health"],
    ["GET", "/global/health/ready"],
    ["GET", "/global/config"],
    ["PATCH", "/global/config"],
    ["POST", "/global/event"],
    ["GET", "/global/event"],
    ["GET", "/"],
  ]

  test("missing or wrong credentials get 401 with WWW-Authenticate on every endpoint", async () => {
    const { base } = serve({ password: "s3cret" })
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { authorization: "Bearer s3cret2" },
      { authorization: `Basic ${btoa("me:nope")}` },
      { authorization: "Basic !!!" },
      { authorization: "Token s3cret" },
    ]
    for (const [method, path] of endpoints) {
      for (const headers of wrong) {
        const response = await fetch(`${base}${path}`, { method, headers })
        expect({ method, path, headers, status: response.status }).toEqual({
          method,
          path,
          headers,
          status: 401,
        })
        expect(response.headers.get("www-authenticate")).toContain("Basic")
        expect(await errorName(response)).toBe("Unauthorized")
      }
    }
  })

  test("Bearer and Basic with any user name pass on every endpoint", async () => {
    const { base } = serve({ password: "pa:ss wörd" })
    const good = [
      { authorization: "Bearer pa:ss wörd" },
      { authorization: `Basic ${Buffer.from("anyone:pa:ss wörd").toString("base64")}` },
      { authorization: `Basic ${Buffer.from(":pa:ss wörd").toString("base64")}` },
    ]
    for (const [method, path] of endpoints) {
      for (const headers of good) {
        const body = method === "GET" ? undefined : "{}"
        const response = await fetch(`${base}${path}`, { method, headers, body })
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 200 })
      }
    }
  })

  test("?token= is accepted on GET /global/event only", async () => {
    const { base } = serve({ password: "s3cret" })
    expect((await fetch(`${base}/global/event?token=s3cret`)).status).toBe(200)
    expect((await fetch(`${base}/global/event?token=wrong`)).status).toBe(401)
    for (const [method, path] of endpoints.filter(([, p]) => p !== "/global/event")) {
      const response = await fetch(`${base}${path}?token=s3cret`, {
        method,
        body: method === "GET" ? undefined : "{}",
      })
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 })
    }
    expect((await fetch(`${base}/global/event?token=s3cret`, { method: "POST", body: "{}" })).status).toBe(
      401,
    )
  })

  test("no password configured: no credentials needed", async () => {
    const { base } = serve()
    expect((await fetch(`${base}/global/config`)).status).toBe(200)
  })
})

describe("bodies", () => {
  test("over the limit → 400 PayloadTooLarge, declared or chunked", async () => {
    const { base } = serve({ maxBodyBytes: 1024 })
    const big = JSON.stringify({ x: "a".repeat(2000) })
    const declared = await fetch(`${base}/x`, { method: "POST", body: big })
    expect(declared.status).toBe(400)
    expect(await errorName(declared)).toBe("PayloadTooLarge")
    const chunked = await fetch(`${base}/x`, {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 4; i++)
            controller.enqueue(new TextEncoder().encode(big.slice(i * 600, i * 600 + 600)))
          controller.close()
        },
      }),
    })
    expect(chunked.status).toBe(400)
  })

  test("malformed JSON, empty and non-object bodies → 400 with a clear message", async () => {
    const { base } = serve()
    const cases: [string, string, string][] = [
      ["{", "MalformedJson", "not valid JSON"],
      ["", "InvalidBody", "empty"],
      ["[1]", "InvalidBody", "an array"],
      ['"x"', "InvalidBody", "string"],
      ["null", "InvalidBody", "null"],
    ]
    for (const [body, name, text] of cases) {
      const response = await fetch(`${base}/x`, { method: "POST", body })
      expect(response.status).toBe(400)
      const error = ((await response.json()) as { error: { name: string; message: string } }).error
      expect(error.name).toBe(name)
      expect(error.message).toContain(text)
    }
  })
})
