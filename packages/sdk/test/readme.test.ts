/**
 * Every ```ts example of the README runs as written against a real local server, and type-checks: each is
 * written to a scratch folder inside this package (so `@tether/sdk` resolves to this package, sources through
 * `--conditions=@tether/source`), its URLs pointed at the test's servers, and run with `bun`.
 * A new example needs a scenario below; an example that reaches any other URL fails.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { startServer, waitFor } from "./helpers/sse-server.ts"
import { startTetherServer } from "./helpers/tether-server.ts"

const pkg = join(import.meta.dir, "..")
const scratch = join(pkg, `.readme-examples-${process.pid}`)
const tscBin = join(dirname(Bun.resolveSync("typescript/package.json", pkg)), "bin", "tsc")
const cleanups: (() => unknown)[] = [() => rmSync(scratch, { recursive: true, force: true })]
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

/** The ```ts blocks of the README, in order. */
const blocks = [...readFileSync(join(pkg, "README.md"), "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map(
  (match) => match[1] ?? "",
)

interface Run {
  /** The servers' URLs by the URL the README writes. */
  readonly urls: Record<string, string>
  /** Called once the example runs, to play the world around it; resolves when the example is expected to end. */
  readonly meanwhile?: () => Promise<void>
  readonly check: (stdout: string) => void
}

interface Scenario {
  readonly name: string
  /** Text that identifies the example, so a reordered README fails loudly instead of running the wrong check. */
  readonly marker: string
  readonly start: () => Promise<Run>
}

const TETHER = "http://127.0.0.1:4096"
const tetherServer = async () => {
  const srv = await startTetherServer()
  cleanups.push(() => srv.stop())
  return srv
}

/** Publishes one `build.finished` once the example's stream is open. */
const publishOnceStreaming = (srv: Awaited<ReturnType<typeof tetherServer>>) => async () => {
  await waitFor("the example's stream", () => srv.openStreams() === 1, 10_000)
  srv.publish("build.finished", { ok: true })
}

const scenarios: Scenario[] = [
  {
    name: "minimal",
    marker: "let config = await client.global.config.get()",
    start: async () => {
      const srv = await tetherServer()
      return {
        urls: { [TETHER]: srv.url },
        check: (stdout) => {
          const lines = stdout.trim().split("\n")
          expect(lines.slice(0, 3)).toEqual([
            "heartbeat_ms 10000",
            "connecting 0 undefined",
            "open 0 undefined",
          ])
          expect(lines[3]).toStartWith(" server.connected {")
          expect(stdout.indexOf("00000001 build.finished {")).toBeGreaterThan(
            stdout.indexOf("server.connected"),
          )
          expect(lines.at(-1)).toBe("closed 0 undefined")
          expect(srv.log.map((event) => event.type)).toEqual(["build.finished"])
        },
      }
    },
  },
  {
    name: "async iterator",
    marker: "client.global.event.stream(",
    start: async () => {
      const srv = await tetherServer()
      return {
        urls: { [TETHER]: srv.url },
        meanwhile: publishOnceStreaming(srv),
        check: (stdout) => expect(stdout).toBe("server.connected\nbuild.finished\n"),
      }
    },
  },
  {
    name: "@tether/sdk/sse",
    marker: 'from "@tether/sdk/sse"',
    start: async () => {
      const srv = await startServer((request, _seen, open) =>
        request.headers.get("authorization") === "Bearer first-token"
          ? open("id: 1\ndata: hello\n\nevent: note\ndata: bye\n\n")
          : new Response("no", { status: 401 }),
      )
      cleanups.push(() => srv.stop())
      return {
        urls: { "https://example.com/events": `${srv.url}/events` },
        check: (stdout) => expect(stdout).toBe("1 message hello\n1 note bye\n"),
      }
    },
  },
  {
    name: "shared across tabs",
    marker: "shareAcrossTabs: true",
    start: async () => {
      const srv = await tetherServer()
      return {
        urls: { [TETHER]: srv.url },
        meanwhile: publishOnceStreaming(srv),
        // Outside a browser the option falls back to a stream of its own, without error.
        check: (stdout) => {
          const lines = stdout.trim().split("\n")
          const statuses = lines.filter((line) => /^(connecting|open|reconnecting|closed) /.test(line))
          const events = lines.filter((line) => !statuses.includes(line))
          expect(statuses[0]).toBe("connecting single")
          expect(statuses.every((line) => line.endsWith(" single"))).toBe(true)
          expect(events.map((line) => line.split(" ")[0])).toEqual(["server.connected", "build.finished"])
          expect(events[1]).toMatch(/^build\.finished \d+$/)
          expect(lines.at(-1)).toBe("closed single")
        },
      }
    },
  },
]

test("each README example has a scenario", () => {
  expect(blocks.map((block) => scenarios.find((s) => block.includes(s.marker))?.name)).toEqual(
    scenarios.map((scenario) => scenario.name),
  )
})

test("every README example type-checks against the package", () => {
  const dir = join(scratch, "typecheck")
  mkdirSync(dir, { recursive: true })
  blocks.forEach((code, i) => {
    writeFileSync(join(dir, `example-${i}.ts`), `${code}\nexport {}\n`)
  })
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true, noUnusedLocals: false },
      include: ["*.ts"],
    }),
  )
  const tsc = Bun.spawnSync([process.execPath, tscBin, "-p", join(dir, "tsconfig.json")])
  expect({ code: tsc.exitCode, output: `${tsc.stdout}${tsc.stderr}`.trim() }).toEqual({ code: 0, output: "" })
}, 60_000)

for (const scenario of scenarios) {
  test(`the README example "${scenario.name}" runs as written`, async () => {
    const block = blocks.find((code) => code.includes(scenario.marker))
    if (block === undefined) throw new Error(`no README example contains ${scenario.marker}`)
    const run = await scenario.start()
    let code = block
    for (const [written, local] of Object.entries(run.urls)) code = code.replaceAll(written, local)
    // Loopback only: a URL the scenario did not map would leave this machine.
    expect(
      code.match(/https?:\/\/[^\s"'`]+/g)?.filter((url) => !url.startsWith("http://127.0.0.1:")) ?? [],
    ).toEqual([])
    const file = join(scratch, `${scenario.name.replace(/\W+/g, "-")}.ts`)
    mkdirSync(scratch, { recursive: true })
    writeFileSync(file, code)
    const child = Bun.spawn([process.execPath, "--conditions=@tether/source", file], {
      cwd: pkg,
      stdout: "pipe",
      stderr: "pipe",
    })
    cleanups.push(() => child.kill())
    const timer = setTimeout(() => child.kill(), 20_000)
    await run.meanwhile?.()
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ])
    clearTimeout(timer)
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" })
    run.check(stdout)
  }, 30_000)
}
