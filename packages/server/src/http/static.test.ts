import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startServer, type TetherServer } from "../start.ts"
import { resolveAppDir } from "./static.ts"

const dist = mkdtempSync(join(tmpdir(), "tether-app-"))
let server: TetherServer

beforeAll(async () => {
  mkdirSync(join(dist, "assets"))
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>Tether</title>")
  writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log(1)")
  writeFileSync(join(dist, "assets", "index-abc123.css"), "body{}")
  server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: dist, config: {} })
})
afterAll(async () => {
  await server.stop()
  rmSync(dist, { recursive: true, force: true })
})

describe("the built app at /", () => {
  test("serves index.html and assets with their content types and cache rules", async () => {
    const index = await fetch(`${server.url}/`)
    expect(index.status).toBe(200)
    expect(index.headers.get("content-type")).toMatch(/^text\/html/)
    expect(index.headers.get("cache-control")).toBe("no-cache")
    expect(await index.text()).toContain("<title>Tether</title>")
    // No other site may frame the app; the policy the built app satisfies (checked in Chromium by the app's csp.e2e.ts).
    expect(index.headers.get("x-frame-options")).toBe("DENY")
    expect(index.headers.get("content-security-policy")).toContain("frame-ancestors 'none'")
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'")
    expect(index.headers.get("x-content-type-options")).toBe("nosniff")
    const js = await fetch(`${server.url}/assets/index-abc123.js`)
    expect(js.headers.get("content-type")).toMatch(/javascript/)
    expect(js.headers.get("cache-control")).toContain("immutable")
    const css = await fetch(`${server.url}/assets/index-abc123.css`)
    expect(css.headers.get("content-type")).toMatch(/^text\/css/)
  })

  test("page paths fall back to index.html; missing assets, API paths and escapes do not", async () => {
    const page = await fetch(`${server.url}/settings/stream`)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("<title>Tether</title>")
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404)
    const api = await fetch(`${server.url}/global/unknown`)
    expect(api.status).toBe(404)
    expect(api.headers.get("content-type")).toMatch(/json/)
    const outside = await fetch(`${server.url}/%2e%2e/%2e%2e/etc/passwd`)
    expect(await outside.text()).not.toContain("root:")
  })

  test("a directory named assets above dist/ does not make pages cacheable", async () => {
    // An install path such as /srv/assets/tether/…/dist: only the path inside dist/ decides caching.
    const root = mkdtempSync(join(tmpdir(), "tether-install-"))
    const installed = join(root, "assets", "app", "dist")
    mkdirSync(join(installed, "assets"), { recursive: true })
    writeFileSync(join(installed, "index.html"), "<!doctype html><title>Installed</title>")
    writeFileSync(join(installed, "assets", "app-1.js"), "1")
    writeFileSync(join(installed, "logo.svg"), "<svg/>")
    const other = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      eventLog: "memory",
      appDir: installed,
      config: {},
    })
    try {
      for (const path of ["/", "/index.html", "/settings", "/logo.svg"]) {
        const response = await fetch(`${other.url}${path}`)
        expect(response.status).toBe(200)
        expect({ path, cache: response.headers.get("cache-control") }).toEqual({ path, cache: "no-cache" })
      }
      const asset = await fetch(`${other.url}/assets/app-1.js`)
      expect(asset.headers.get("cache-control")).toContain("immutable")
    } finally {
      await other.stop()
      rmSync(root, { recursive: true, force: true })
    }
  })

  test("the app package is found through module resolution", () => {
    expect(resolveAppDir()).toMatch(/app[/\\]dist$/)
  })
})
