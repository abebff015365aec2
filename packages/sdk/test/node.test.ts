/**
 * Node apps are users too: build the package (tsc), install it as a package folder, and run a
 * subscriber under `node` (Node 20) against a real local server that is stopped and restarted meanwhile.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { startRawHttpServer } from "./helpers/raw-http-server.ts"
import { waitFor } from "./helpers/sse-server.ts"
import { startTetherServer } from "./helpers/tether-server.ts"

const packageDir = resolve(import.meta.dir, "..")
const root = mkdtempSync(join(tmpdir(), "tether-sdk-node-"))
const cleanups: (() => unknown)[] = [() => rmSync(root, { recursive: true, force: true })]
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** Builds the package once, as npm would install it (its package.json, a fresh dist), for every test here. */
let built: Promise<void> | undefined
const install = (): Promise<void> => {
  built ??= (async () => {
    const installed = join(root, "node_modules/@tether/sdk")
    mkdirSync(installed, { recursive: true })
    cpSync(join(packageDir, "package.json"), join(installed, "package.json"))
    // The package's own build: it also compiles the wire contract in, so nothing else needs installing.
    const build = Bun.spawnSync([
      "bun",
      join(packageDir, "scripts/build.ts"),
      "--out-dir",
      join(installed, "dist"),
    ])
    expect(`${build.stdout}${build.stderr}`).toBe("")
    expect(build.exitCode).toBe(0)
  })()
  return built
}

/** Runs a fixture under `node` with `args`; resolves with its exit code, stdout and stderr. */
async function runNode(fixture: string, args: string[]) {
  cpSync(join(packageDir, "test/fixtures", fixture), join(root, fixture))
  const node = Bun.spawn(["node", join(root, fixture), ...args], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  })
  cleanups.push(() => node.kill())
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(node.stdout).text(),
    new Response(node.stderr).text(),
    node.exited,
  ])
  return { stdout, stderr, exitCode }
}

/** A fixture's output: one JSON object a line. */
const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe("under Node", () => {
  test("the built package subscribes, survives a server restart and resumes", async () => {
    await install()
    cpSync(join(packageDir, "test/fixtures/node-subscriber.mjs"), join(root, "subscriber.mjs"))

    const srv = await startTetherServer({ retryMs: 100 })
    cleanups.push(() => srv.stop())
    const node = Bun.spawn(["node", join(root, "subscriber.mjs"), srv.url], {
      cwd: root,
      stdout: "pipe",
      stderr: "pipe",
    })
    cleanups.push(() => node.kill())

    // Its stdout, read as it comes, so the test waits for what the subscriber saw instead of sleeping.
    let stdout = ""
    const reading = (async () => {
      const decoder = new TextDecoder()
      for await (const chunk of node.stdout) stdout += decoder.decode(chunk, { stream: true })
    })()
    const saw = (text: string) => stdout.includes(text)

    await waitFor("the node subscriber connected", () => srv.openStreams() === 1, 10_000)
    const first = srv.publish("a", {})
    await waitFor("the node subscriber got a", () => saw('"type":"a"'), 10_000)
    await srv.stop()
    srv.publish("b", {})
    await waitFor("the node subscriber is reconnecting", () => saw('"state":"reconnecting"'), 10_000)
    await srv.restart()
    await waitFor("the node subscriber reconnected", () => srv.openStreams() === 1, 10_000)
    srv.publish("done", {})

    const exitCode = await node.exited
    await reading
    const stderr = await new Response(node.stderr).text()
    expect(stderr).toBe("")
    expect(exitCode).toBe(0)
    const lines = jsonLines(stdout)
    expect(lines[0]).toEqual({ kind: "parser", parsed: [{ id: "1", event: "message", data: "node" }] })
    expect(lines[1]).toEqual({ kind: "health", health: { healthy: true, version: "0.1.0" } })
    const durable = lines.filter((line) => line.kind === "event" && line.id !== "").map((line) => line.type)
    expect(durable).toEqual(["a", "b", "done"])
    const states = lines.filter((line) => line.kind === "status").map((line) => line.state)
    expect(states).toContain("reconnecting")
    expect(states.at(-1)).toBe("closed")
    const streamRequests = srv.requests.filter((request) => new URL(request.url).pathname === "/global/event")
    expect(streamRequests.at(-1)?.headers.get("last-event-id")).toBe(first.id)
  }, 60_000)

  test("undici's fetch sends Last-Event-ID as UTF-8, through a wrapper, uncached; bad URLs throw at once", async () => {
    await install()
    const id = "id ✓ 2"
    const srv = startRawHttpServer((_request, index) => `id: ${id}\ndata: m${index}\n\n`)
    cleanups.push(() => srv.stop())
    const { stdout, stderr, exitCode } = await runNode("node-interop.mjs", [`${srv.url}/events`])
    expect(stderr).toBe("")
    expect(exitCode).toBe(0)
    const lines = jsonLines(stdout)
    expect(lines[0]).toEqual({ kind: "url", notAUrl: "SyntaxError", number: "TypeError" })
    expect(lines[1]).toMatchObject({
      kind: "messages",
      messages: [
        { id, event: "message", data: "m0" },
        { id, event: "message", data: "m1" },
      ],
      status: { state: "closed" },
    })
    const utf8 = (text: string) => new TextEncoder().encode(text)
    expect(srv.requests[0]?.header("last-event-id")).toEqual(utf8("café…😀"))
    expect(srv.requests[1]?.header("last-event-id")).toEqual(utf8(id))
    for (const request of srv.requests.slice(0, 2)) {
      expect(request.header("accept")).toEqual(utf8("text/event-stream"))
      expect(request.header("x-wrapped")).toEqual(utf8("yes"))
      // What undici adds for cache: "no-store", as the Fetch standard says a browser must.
      expect(request.header("cache-control")).toEqual(utf8("no-cache"))
    }
  }, 60_000)
})
