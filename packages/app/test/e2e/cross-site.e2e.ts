/**
 * A page on another site can make Chromium request the server's API through `<img>`, `<script>` or a
 * frame, with no Origin header. What Chromium really sends for each (recorded by a stand-in at the
 * API's address) is replayed to a real `tether serve`: the embeds get 403 from its Fetch Metadata
 * check, while a link the user follows from that page still opens the API.
 *
 * Recorded and replayed rather than observed in the page: Chromium's own response blocking (ORB)
 * hides a cross-site JSON answer's status from the page whatever the server says.
 */
import { afterAll, beforeAll, expect, test } from "bun:test"
import { launchBrowser, makeWorkspace, type RunningServer, serveWorkspace, waitFor } from "./harness.ts"

let workspace: ReturnType<typeof makeWorkspace>
let server: RunningServer | undefined
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined
const stands: ReturnType<typeof Bun.serve>[] = []

/** The request headers the server's access check reads. */
const FETCH_HEADERS = ["origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest"]

interface Recorded {
  readonly path: string
  readonly headers: Record<string, string>
}

beforeAll(async () => {
  workspace = makeWorkspace({})
  server = await serveWorkspace(workspace)
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  for (const stand of stands) stand.stop(true)
  await server?.stop()
  workspace?.cleanup()
})

test("<img>, <script> and a frame on another site get 403; a followed link opens the API", async () => {
  const page = browser?.page
  if (!page || !server) throw new Error("not started")
  const recorded: Recorded[] = []
  const api = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const headers: Record<string, string> = {}
      for (const name of FETCH_HEADERS) {
        const value = request.headers.get(name)
        if (value !== null) headers[name] = value
      }
      const url = new URL(request.url)
      recorded.push({ path: url.pathname + url.search, headers })
      return new Response("ok")
    },
  })
  const base = `http://127.0.0.1:${api.port}`
  // `localhost` is another site than `127.0.0.1` for the browser: this stands for any page on the web.
  const site = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response(
        `<!doctype html><title>another site</title>
<img src="${base}/global/event" alt="">
<script src="${base}/global/health"></script>
<iframe src="${base}/global/config" title="frame"></iframe>
<a id="link" href="${base}/global/event?followed">open the server</a>`,
        { headers: { "content-type": "text/html" } },
      ),
  })
  stands.push(api, site)

  await page.goto(`http://localhost:${site.port}/`)
  const embeds = ["/global/event", "/global/health", "/global/config"]
  await waitFor(
    async () => (embeds.every((path) => recorded.some((r) => r.path === path)) ? true : undefined),
    15_000,
    async () => `requests seen: ${JSON.stringify(recorded)}`,
  )
  await page.click("#link")
  const followed = "/global/event?followed"
  await waitFor(
    async () => (recorded.some((r) => r.path === followed) ? true : undefined),
    15_000,
    async () => `the link was not followed: ${JSON.stringify(recorded)}`,
  )
  const [img, script, frame, link] = [...embeds, followed].map((path) =>
    recorded.find((r) => r.path === path),
  )
  // What Chromium sent: no Origin on any of them, and the Fetch Metadata the server relies on.
  expect(img?.headers).toMatchObject({ "sec-fetch-site": "cross-site", "sec-fetch-dest": "image" })
  expect(script?.headers).toMatchObject({ "sec-fetch-site": "cross-site", "sec-fetch-dest": "script" })
  expect(frame?.headers).toMatchObject({ "sec-fetch-site": "cross-site", "sec-fetch-dest": "iframe" })
  expect(link?.headers).toMatchObject({ "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" })
  for (const request of [img, script, frame, link]) expect(request?.headers.origin).toBeUndefined()

  // The same requests to the real server.
  const replay = async (request: Recorded | undefined, path: string) => {
    const response = await fetch(`${server?.url}${path}`, {
      headers: request?.headers ?? {},
      signal: AbortSignal.timeout(10_000),
    })
    const status = response.status
    await response.body?.cancel()
    return status
  }
  expect(await replay(img, "/global/event")).toBe(403)
  expect(await replay(script, "/global/health")).toBe(403)
  expect(await replay(frame, "/global/config")).toBe(403)
  expect(await replay(link, "/global/health")).toBe(200)
})
