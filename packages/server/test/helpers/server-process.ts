/**
 * Runs `tether serve` as a real process for cross-process tests: spawns the CLI, waits for its
 * `tether listening on …` line, and stops it with a signal. Every process started here is killed
 * by `killAll()` (call it in afterAll/afterEach).
 */

import { join } from "node:path"
import type { Subprocess } from "bun"

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts")
/** `tether` with the fault layers of `test/faults/`, chosen by `TETHER_TEST_FAULT`; pass it as `entry`. */
export const FAULT_ENTRY = join(import.meta.dir, "..", "faults", "entry.ts")

export interface ServerProcess {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">
  readonly url: string
  readonly port: number
  /** Everything written to stderr so far. */
  stderr(): string
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>
}

export interface Exited {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** An environment in which no config or data dir of the machine is found: everything under `dir`. */
export const isolatedEnv = (dir: string): Record<string, string | undefined> => ({
  XDG_CONFIG_HOME: join(dir, "xdg-config"),
  XDG_DATA_HOME: join(dir, "xdg-data"),
  TETHER_CONFIG: undefined,
})

/** How to run the CLI: extra environment, working directory, deadline, and which entry (default: the bin's). */
export interface RunOptions {
  readonly env?: Record<string, string | undefined>
  readonly cwd?: string
  readonly timeoutMs?: number
  /** The script to run, e.g. {@link FAULT_ENTRY}. Default: `src/cli/main.ts`. */
  readonly entry?: string
}

const live = new Set<Subprocess>()

/** Kills every process this module started that still runs. */
export const killAll = async (): Promise<void> => {
  const procs = [...live]
  live.clear()
  for (const proc of procs) proc.kill("SIGKILL")
  await Promise.all(procs.map((proc) => proc.exited))
}

const spawnCli = (
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
  entry = MAIN,
) => {
  const proc = Bun.spawn([process.execPath, "--conditions=@tether/source", entry, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
    ...(cwd === undefined ? {} : { cwd }),
  })
  live.add(proc)
  void proc.exited.then(() => live.delete(proc))
  return proc
}

/** Runs the CLI to completion (for `config validate`, a refused `serve`…). */
export const runCli = async (args: readonly string[], options: RunOptions = {}): Promise<Exited> => {
  const proc = spawnCli(args, options.env, options.cwd, options.entry)
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 20_000)
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  clearTimeout(timer)
  return { code, stdout, stderr }
}

/** Starts `tether serve ARGS` and resolves once it prints its listening line. */
export const startServe = async (
  args: readonly string[],
  options: RunOptions = {},
): Promise<ServerProcess> => {
  const proc = spawnCli(["serve", ...args], options.env, options.cwd, options.entry)
  let stderr = ""
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true })
  })()
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  let out = ""
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  while (true) {
    const match = out.match(/^tether listening on (http:\/\/\S+):(\d+)$/m)
    if (match !== null) {
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })()
      const url = `${match[1]}:${match[2]}`
      return {
        proc,
        url,
        port: Number(match[2]),
        stderr: () => stderr,
        stop: async (signal = "SIGTERM") => {
          proc.kill(signal)
          return proc.exited
        },
      }
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL")
      throw new Error(`tether serve did not listen in time; stdout: ${out}; stderr: ${stderr}`)
    }
    const next = await Promise.race([reader.read(), proc.exited.then(() => null)])
    if (next === null || next.done) {
      await Bun.sleep(50)
      throw new Error(
        `tether serve exited (${proc.exitCode}) before listening; stdout: ${out}; stderr: ${stderr}`,
      )
    }
    out += decoder.decode(next.value, { stream: true })
  }
}
