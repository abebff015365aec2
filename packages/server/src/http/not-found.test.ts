import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startServer, type TetherServer } from "../start.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-notfound-"))
let server: TetherServer

beforeAll(async () => {
  const dist = join(dir, "dist")
  mkdirSync(dist)
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>Tether</title>")
  server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: dist, config: {} })
})

afterAll(async () => {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("paths that are not the app's", () => {
  test("/metrics and other non-app paths answer a JSON 404, never the app's page with 200", async () => {
    for (const path of ["/metrics", "/api/events", "/global/nope", "/healthz"]) {
      for (const method of ["GET", "HEAD"]) {
        const response = await fetch(`${server.url}${path}`, { method })
        expect(response.status).toBe(404)
        expect(response.headers.get("content-type")).toMatch(/json/)
        if (method === "GET") {
          expect(((await response.json()) as { error: { name: string } }).error.name).toBe("NotFound")
        }
      }
    }
  })

  test("the app's own pages still get the app", async () => {
    for (const path of ["/", "/settings", "/settings/stream"]) {
      const response = await fetch(`${server.url}${path}`)
      expect(response.status).toBe(200)
      expect(await response.text()).toContain("<title>Tether</title>")
    }
  })

  test("GET /global/metrics is the Prometheus text exposition", async () => {
    const response = await fetch(`${server.url}/global/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("text/plain")
    expect(await response.text()).toContain("# TYPE tether_events_published_total counter")
  })
})
