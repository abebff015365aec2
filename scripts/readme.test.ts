/**
 * Every example of the root README, run as written (in the order a newcomer meets them), so that none can
 * rot: each fenced block must be claimed by one case below, and a block no case claims fails the test.
 * Two blocks are the commands CI itself runs on a fresh machine (`.ci/run`), which is where they are proven.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"
import { run } from "./pack-check/run.ts"
import { ROOT } from "./pack-check/workspace.ts"

interface Block {
  lang: string
  code: string
}

const blocks: Block[] = [
  ...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm),
].map((match) => ({ lang: match[1] ?? "", code: match[2] ?? "" }))
const claimed = new Set<Block>()

/** The one README block that `matches`, claimed by the calling case. */
const example = (description: string, matches: (block: Block) => boolean): Block => {
  const found = blocks.filter(matches)
  if (found.length !== 1) throw new Error(`expected one README example ${description}, found ${found.length}`)
  const [block] = found as [Block]
  claimed.add(block)
  return block
}

const scratch = mkdtempSync(join(tmpdir(), "tether-readme-test-"))
// Shell blocks run in their own session, so "Ctrl-C" can go to every process they start, as a terminal's would.
const running: Subprocess[] = []
afterAll(() => {
  for (const proc of running) if (proc.exitCode === null) process.kill(-proc.pid, "SIGKILL")
  rmSync(scratch, { recursive: true, force: true })
  rmSync("/tmp/tether-demo", { recursive: true, force: true })
})

/** Starts a shell block as a terminal would run it, from the repository root; its output goes to `log`. */
const startShell = (code: string, log: string): Subprocess => {
  const proc = Bun.spawn(["setsid", "bash", "-c", code], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: Bun.file(log),
    stderr: Bun.file(`${log}.err`),
  })
  running.push(proc)
  return proc
}

/** Polls `check` every 200 ms until it returns a value, or fails after `ms` with `what`. */
const waitFor = async <T>(
  what: () => string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> => {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    await Bun.sleep(200)
  }
  throw new Error(`timed out after ${ms} ms: ${what()}`)
}

const answers = async (url: string) => ((await fetch(url)).ok ? true : undefined)
const refuses = async (url: string) =>
  fetch(url).then(
    () => undefined,
    () => true,
  )
const read = (path: string) => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return ""
  }
}

test("installing Bun and the test run are what .ci/run runs on a fresh machine", () => {
  const ci = readFileSync(join(ROOT, ".ci/run"), "utf8")
  const install = example("that installs Bun", (block) => block.code.includes("npm install -g"))
  expect(ci).toContain(install.code.trim())
  const tests = example("that runs the tests", (block) => block.code.trim() === "bun install && bun run test")
  for (const command of tests.code.trim().split(" && ")) expect(ci).toContain(`\n${command}`)
})

test("the curl demo runs beside bun run dev, on its own port and data dir, and stops on Ctrl-C", async () => {
  const dev = example(
    "that starts bun run dev",
    (block) => block.code.trim() === "bun install && bun run dev",
  )
  const serve = example("that starts the demo server", (block) =>
    block.code.includes("tether serve --port 0"),
  )
  const watch = example("that watches and publishes", (block) => block.code.includes("curl -sN"))

  // bun run dev needs its own ports: wait for another run of this test (or of the dev e2e) to free them.
  for (const url of ["http://127.0.0.1:4096/global/health", "http://localhost:5173/"]) {
    await waitFor(
      () => `${url} is taken by something else`,
      120_000,
      () => refuses(url),
    )
  }
  const devLog = join(scratch, "dev.log")
  const devShell = startShell(dev.code, devLog)
  const serveLog = join(scratch, "serve.log")
  const serveShell = startShell(serve.code, serveLog)
  try {
    const url = await waitFor(
      () => `the demo server printed no address:\n${read(serveLog)}${read(`${serveLog}.err`)}`,
      60_000,
      async () => /^tether listening on (http:\/\/\S+)$/m.exec(read("/tmp/tether-demo/server.log"))?.[1],
    )
    expect(url).not.toEndWith(":4096")
    // dev comes up while the demo runs: the API on 4096, the app on 5173, and the app's proxy to the API.
    for (const devUrl of [
      "http://127.0.0.1:4096/global/health",
      "http://localhost:5173/",
      "http://localhost:5173/global/health",
    ]) {
      await waitFor(
        () => `bun run dev does not answer ${devUrl}:\n${read(devLog)}${read(`${devLog}.err`)}`,
        120_000,
        () => answers(devUrl),
      )
    }

    const watched = await run(["bash", "-c", watch.code], { cwd: ROOT, timeoutMs: 60_000 })
    expect(watched.code).toBe(0)
    const published = /^\{"id":"([^"]+)"\}/m.exec(watched.stdout)?.[1]
    expect(published).toBeDefined()
    expect(watched.stdout).toContain("retry: ")
    expect(watched.stdout).toContain('"type":"server.connected"')
    expect(watched.stdout).toContain(`id: ${published}\ndata: {"id":"${published}","type":"build.finished"`)

    // Ctrl-C in the first terminal: the demo server exits (and dev keeps running). The shell reports the
    // pipeline's end as a terminal would, 128 + SIGINT, since Ctrl-C stops `tee` too.
    process.kill(-serveShell.pid, "SIGINT")
    expect(await Promise.race([serveShell.exited, Bun.sleep(30_000).then(() => "still running")])).toBe(130)
    await waitFor(
      () => `the demo server still answers on ${url}`,
      10_000,
      () => refuses(`${url}/global/health`),
    )
    expect(await answers("http://127.0.0.1:4096/global/health")).toBe(true)
  } finally {
    process.kill(-devShell.pid, "SIGINT")
    await Promise.race([devShell.exited, Bun.sleep(30_000)])
    if (devShell.exitCode === null) process.kill(-devShell.pid, "SIGKILL")
    if (serveShell.exitCode === null) process.kill(-serveShell.pid, "SIGKILL")
  }
}, 360_000)

test("the config example is valid, and the invalid-config example is what the CLI prints", async () => {
  const config = example("of a config file", (block) => block.lang === "jsonc")
  const configPath = join(scratch, "tether.jsonc")
  writeFileSync(configPath, config.code)
  const valid = await run(["bun", "run", "tether", "config", "validate", configPath], { cwd: ROOT })
  expect({ code: valid.code, stderr: valid.stderr.replace(/^\$ .*\n/, "") }).toEqual({ code: 0, stderr: "" })
  // The `$schema` it names is the file @tether/core ships.
  expect(/"\$schema": "([^"]+)"/.exec(config.code)?.[1]).toBe(
    "./node_modules/@tether/core/schema/tether.schema.json",
  )
  expect(await Bun.file(join(ROOT, "packages/core/schema/tether.schema.json")).exists()).toBe(true)

  const invalid = example("of an invalid config's message", (block) => block.lang === "text")
  const [prompt, ...message] = invalid.code.trimEnd().split("\n")
  const shownPath = "/home/me/project/tether.json"
  expect(message[0]).toBe(`Invalid config in ${shownPath}:`)
  const invalidPath = join(scratch, "tether.json")
  writeFileSync(invalidPath, JSON.stringify({ server: { event_stream: { heartbeat_ms: 500 } } }))
  const command = (prompt ?? "").replace(/^\$ /, "").replace("tether.json", invalidPath).split(" ")
  const refused = await run(command, { cwd: ROOT })
  expect(refused.code).toBe(1)
  expect(refused.stderr).toContain(message.join("\n").replace(shownPath, invalidPath))
})

test("every README example is run by a case above", () => {
  const unclaimed = blocks.filter((block) => !claimed.has(block))
  expect(unclaimed.map((block) => `\`\`\`${block.lang}\n${block.code}`)).toEqual([])
})
