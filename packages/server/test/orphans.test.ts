/**
 * No server outlives the launcher that waits for it, with real launchers: `bun run tether serve`
 * (plain and `--supervise`) whose `bun run` is SIGKILLed, and `npx tether serve`, installed as a
 * package bin, whose `npx` gets SIGTERM from a process manager (npx relays it to its `sh -c` only).
 * Every process below the launcher must be gone, and the port free, within seconds.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { answers, killRunning, launchUntilListening, waitGone } from "./helpers/process-tree.ts"

const SRC = join(import.meta.dir, "..", "src", "cli")
const dir = mkdtempSync(join(tmpdir(), "tether-orphans-"))
const isolated = {
  XDG_CONFIG_HOME: join(dir, "xdg-config"),
  XDG_DATA_HOME: join(dir, "xdg-data"),
  TETHER_CONFIG: "",
  // Only what the launcher under test sets may say "started by a package manager".
  npm_lifecycle_event: "",
  npm_config_update_notifier: "false",
}
const started: number[] = []

afterEach(() => killRunning(started.splice(0)))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// A project whose `tether` script runs the CLI as the repository root's does, and which has the
// package's bin installed, as `npm install @tether/server` would link it (a shim that execs Bun on
// bin.ts keeps the process npx starts the very one that runs the bin).
const project = join(dir, "project")
mkdirSync(join(project, "node_modules", ".bin"), { recursive: true })
writeFileSync(
  join(project, "package.json"),
  JSON.stringify({
    name: "p",
    private: true,
    scripts: { tether: `bun --conditions=@tether/source ${join(SRC, "main.ts")}` },
  }),
)
const shim = join(project, "node_modules", ".bin", "tether")
writeFileSync(
  shim,
  `#!/bin/sh\nexec "${process.execPath}" --conditions=@tether/source "${join(SRC, "bin.ts")}" "$@"\n`,
)
chmodSync(shim, 0o755)

/** Starts `launcher` in the project; resolves once it listens, with every process below it. */
const launch = async (launcher: string[]) => {
  const launched = await launchUntilListening(launcher, { cwd: project, env: isolated, timeoutMs: 30_000 })
  started.push(launched.proc.pid, ...launched.below)
  return launched
}

describe("bun run tether serve, its bun run SIGKILLed", () => {
  for (const supervised of [false, true]) {
    const flags = supervised ? ["--supervise", "--ready-interval-ms", "200"] : []
    test(`${supervised ? "supervised: the supervisor and its child stop" : "the server stops"}; the port is free`, async () => {
      const launched = await launch([
        process.execPath,
        "run",
        "tether",
        "serve",
        ...flags,
        ...["--port", "0", "--event-log", "memory"],
      ])
      expect(launched.below.length).toBeGreaterThanOrEqual(supervised ? 2 : 1)
      expect(await answers(`${launched.url}/global/health`)).toBe("answered")
      const killedAt = Date.now()
      launched.proc.kill("SIGKILL")
      await launched.proc.exited
      expect(await waitGone(launched.below, 10_000)).toEqual([])
      expect(await answers(`${launched.url}/global/health`)).toBe("refused")
      // Figure for the report: from SIGKILL to the last process gone (250 ms polls, then a graceful stop).
      console.log(
        `bun run tether serve${supervised ? " --supervise" : ""}: tree gone ${Date.now() - killedAt} ms after SIGKILL`,
      )
    }, 45_000)
  }
})

describe("npx tether serve, its npx sent SIGTERM", () => {
  test("the server stops (its sh -c died of the signal npx relayed); the port is free", async () => {
    const launched = await launch(["npx", "tether", "serve", "--port", "0", "--event-log", "memory"])
    expect(await answers(`${launched.url}/global/health`)).toBe("answered")
    const termAt = Date.now()
    launched.proc.kill("SIGTERM")
    expect(await waitGone(launched.below, 10_000)).toEqual([])
    expect(await answers(`${launched.url}/global/health`)).toBe("refused")
    expect(launched.stderr()).toMatch(/the process that started this one \(pid \d+\) is gone; stopping/)
    console.log(`npx tether serve: server gone ${Date.now() - termAt} ms after SIGTERM to npx`)
  }, 45_000)
})
