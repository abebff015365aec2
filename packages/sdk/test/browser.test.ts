/**
 * In real Chromium (playwright-core, /usr/bin/chromium, a fresh profile): `openEventStream` sends Last-Event-ID
 * with the same bytes as Chromium's own EventSource, asks for an uncached response as it does, resolves a
 * relative URL against the page and refuses a bad one at once. The page and both streams come from one raw
 * TCP server on 127.0.0.1 that keeps each request head as the bytes that came over the wire.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"
import { type RawRequest, startRawHttpServer } from "./helpers/raw-http-server.ts"

const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

const ID = "café…😀"

test("Chromium: the SDK sends Last-Event-ID as Chromium's EventSource does, UTF-8 encoded, uncached", async () => {
  const bundle = await Bun.build({
    entrypoints: [join(import.meta.dir, "fixtures/browser-interop.ts")],
    target: "browser",
    format: "iife",
    // The SDK imports its wire types from @tether/core/wire, resolved to source here as in every workspace run.
    conditions: ["@tether/source"],
  })
  expect(bundle.logs).toEqual([])
  const script = (await bundle.outputs[0]?.text())?.replaceAll("</script", "<\\/script")
  const seen = new Map<string, number>()
  const srv = startRawHttpServer((request) => {
    if (request.path === "/") {
      return {
        contentType: "text/html; charset=utf-8",
        body: `<!doctype html><meta charset="utf-8"><title>interop</title><script>${script}</script>`,
      }
    }
    // Each stream: an id and an event, then the end of the response; after the reconnect, one more event.
    const count = (seen.get(request.path) ?? 0) + 1
    seen.set(request.path, count)
    return count === 1 ? `retry: 100\nid: ${ID}\ndata: one\n\n` : "data: two\n\n"
  })
  cleanups.push(() => srv.stop())

  const profile = mkdtempSync(join(tmpdir(), "tether-sdk-chromium-"))
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  })
  cleanups.push(() => context.close())
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on("pageerror", (error) => errors.push(error.message))
  await page.goto(`${srv.url}/`)
  await page.waitForFunction(
    () => {
      const { interop } = window as unknown as { interop?: { native: unknown[]; sdk: unknown[] } }
      return interop?.native.length === 2 && interop.sdk.length === 2
    },
    undefined,
    { timeout: 20_000 },
  )
  const interop = await page.evaluate(() => (window as unknown as { interop: unknown }).interop)
  expect(errors).toEqual([])
  expect(interop).toEqual({
    native: [
      [ID, "one"],
      [ID, "two"],
    ],
    sdk: [
      [ID, "one"],
      [ID, "two"],
    ],
    thrown: { notAUrl: "SyntaxError", notHttp: "TypeError" },
  })

  const second = (path: string): RawRequest | undefined =>
    srv.requests.filter((request) => request.path === path)[1]
  const utf8 = new TextEncoder().encode(ID)
  expect(second("/native")?.header("last-event-id")).toEqual(utf8)
  expect(second("/sdk")?.header("last-event-id")).toEqual(utf8)
  for (const path of ["/native", "/sdk"]) {
    // What Chromium adds to a request whose cache mode is "no-store", as EventSource's is.
    expect({ path, cacheControl: second(path)?.header("cache-control") }).toEqual({
      path,
      cacheControl: new TextEncoder().encode("no-cache"),
    })
  }
}, 60_000)
