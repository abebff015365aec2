/**
 * The CLI as a newcomer meets it: every command answers `--help` with exit 0 (and the help names the
 * password variable), and relative paths typed in a sub-folder through a package manager's `tether`
 * script are taken from that sub-folder, with Bun's runner (no `INIT_CWD`) and npm's (`INIT_CWD`).
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { isolatedEnv, killAll, runCli, startServe } from "./helpers/server-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const dir = mkdtempSync(join(tmpdir(), "tether-cli-help-"))
const isolated = isolatedEnv(dir)

afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

describe("--help", () => {
  const commands: string[][] = [
    ["--help"],
    ["-h"],
    ["help"],
    ["serve", "--help"],
    ["serve", "--supervise", "--help"],
    ["serve", "--port", "0", "-h"],
    ["config", "--help"],
    ["config", "validate", "--help"],
    ["config", "validate", "some.jsonc", "--help"],
    ["config", "schema", "--help"],
  ]
  for (const args of commands) {
    test(`tether ${args.join(" ")}: usage on stdout, exit 0, nothing started or read`, async () => {
      const result = await runCli(args, { env: isolated })
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" })
      expect(result.stdout).toContain("Usage")
      expect(result.stdout).not.toContain("listening")
      if (args[0] !== "config") expect(result.stdout).toContain("TETHER_SERVER_PASSWORD")
    })
  }

  test("a flag-like path to validate is a usage error (exit 2), not a missing file", async () => {
    const result = await runCli(["config", "validate", "--strict"], { env: isolated })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown arguments: validate --strict")
  })
})

describe("relative paths from a sub-folder, through the package's tether script", () => {
  // A project whose `tether` script runs this CLI, as the repository root's does, with a config in docs/.
  const project = join(dir, "project")
  const docs = join(project, "docs")
  mkdirSync(docs, { recursive: true })
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "p",
      private: true,
      scripts: { tether: `bun --conditions=@tether/source ${MAIN}` },
    }),
  )
  writeFileSync(
    join(docs, "here.jsonc"),
    JSON.stringify({ server: { event_stream: { heartbeat_ms: 2345 } } }),
  )
  const env = { ...isolated, INIT_CWD: undefined, npm_lifecycle_event: undefined }

  const runScript = async (runner: string[], args: string[]) => {
    const proc = Bun.spawn([...runner, ...args], {
      cwd: docs,
      env: { ...process.env, ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    })
    const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000)
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ])
    clearTimeout(timer)
    return { stdout, stderr, code }
  }

  for (const [name, runner] of [
    ["bun run", [process.execPath, "run", "tether"]],
    ["npm run", ["npm", "run", "--silent", "tether", "--"]],
  ] as const) {
    test(`${name} tether config validate here.jsonc, typed in docs/`, async () => {
      const result = await runScript([...runner], ["config", "validate", "here.jsonc"])
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) })
      expect(result.stdout).toContain(`${join(docs, "here.jsonc")} is valid`)
    }, 40_000)
  }

  test("bun run tether serve --config here.jsonc, typed in docs/, serves that config", async () => {
    const server = await startServe(["--port", "0", "--event-log", "memory", "--config", "here.jsonc"], {
      cwd: project,
      // What Bun's runner hands the script when typed in docs/: the project as cwd, docs/ in local_prefix.
      env: {
        ...env,
        npm_lifecycle_event: "tether",
        npm_config_user_agent: "bun/1.4.4 npm/? node/v24.3.0 linux x64",
        npm_config_local_prefix: docs,
      },
    })
    const config = (await (await fetch(`${server.url}/global/config`)).json()) as {
      server: { event_stream: { heartbeat_ms: number } }
    }
    expect(config.server.event_stream.heartbeat_ms).toBe(2345)
    expect(await server.stop()).toBe(0)
  })

  test("another script (the server package's dev) keeps its own directory, whatever INIT_CWD says", async () => {
    writeFileSync(
      join(project, "root.jsonc"),
      JSON.stringify({ server: { event_stream: { heartbeat_ms: 3456 } } }),
    )
    const result = await runCli(["config", "validate", "root.jsonc"], {
      cwd: project,
      env: { ...env, npm_lifecycle_event: "dev", INIT_CWD: docs },
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`${join(project, "root.jsonc")} is valid`)
  })
})
