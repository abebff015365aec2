/**
 * Starting and stopping the processes a benchmark measures: each pinned to a core with `taskset`
 * (when the machine has it) and with the open-file limit raised for ten thousand sockets.
 *
 * @module
 */
import type { Subprocess } from "bun"

/** Open files each benchmark process may hold: a socket per subscriber plus slack. */
export const OPEN_FILE_LIMIT = 65_536

const hasTaskset = Bun.which("taskset") !== null

/**
 * Wrap a command so it runs with a raised `ulimit -n` and pinned to `cpu` (a taskset CPU list, e.g.
 * `"0"`), then `exec`s it: the pid we get is the benchmarked process itself, not a shell.
 *
 * @example
 * ```ts
 * pinnedCommand(["bun", "server.ts"], "0") // ["sh", "-c", "…", "sh", "taskset", "-c", "0", "bun", "server.ts"]
 * ```
 */
export const pinnedCommand = (command: readonly string[], cpu: string | null): string[] => {
  const pin = cpu !== null && hasTaskset ? ["taskset", "-c", cpu] : []
  // Root may raise the hard limit; anyone else takes the hard limit they have.
  const script = `ulimit -n ${OPEN_FILE_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`
  return ["sh", "-c", script, "sh", ...pin, ...command]
}

/** Every process this process started and has not yet seen exit, for {@link killAllStarted}. */
const live = new Set<Subprocess>()
/** Registers a process started elsewhere (a redis-server) for {@link killAllStarted}. */
export const track = (child: Subprocess): void => {
  live.add(child)
  void child.exited.then(() => live.delete(child))
}

/**
 * SIGKILL every process started through this module that is still running: called when the
 * benchmark itself is interrupted, so no server or generator outlives it.
 */
export const killAllStarted = (): void => {
  for (const child of live) {
    try {
      child.kill("SIGKILL")
    } catch {}
  }
}

/**
 * On SIGINT/SIGTERM: kill what we started, then exit (130/143). Install once in each entry point
 * that starts processes.
 */
export const exitWithChildrenOnSignal = (): void => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      killAllStarted()
      process.exit(code)
    })
  }
}

/** Whether processes are actually pinned (taskset present). */
export const pinningAvailable = (): boolean => hasTaskset

/** A started server: its pid (for /proc), base URL and a way to stop it. */
export interface RunningServer {
  readonly pid: number
  readonly url: string
  readonly process: Subprocess
  /** The last lines it printed (stdout and stderr), for error messages. */
  output(): string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>
  /** SIGKILL at once; resolves when it has exited. */
  kill(): Promise<void>
}

/**
 * Start a server command and wait for its `listening on http://HOST:PORT` line (anchors and
 * Tether both print one). Rejects with its output if it exits or stays silent past `timeoutMs`.
 */
export const startServer = async (
  command: readonly string[],
  options: { cpu: string | null; cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<RunningServer> => {
  const child = Bun.spawn(pinnedCommand(command, options.cpu), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  track(child)
  const lines: string[] = []
  const remember = (text: string) => {
    lines.push(...text.split("\n").filter((line) => line.length > 0))
    if (lines.length > 40) lines.splice(0, lines.length - 40)
  }
  let resolveUrl: (url: string) => void = () => {}
  const urlSeen = new Promise<string>((resolve) => (resolveUrl = resolve))
  // Keep draining both pipes for the whole life of the process: a full pipe would stall the server.
  const drain = async (stream: ReadableStream<Uint8Array>, watch: boolean) => {
    const decoder = new TextDecoder()
    let carry = ""
    for await (const chunk of stream) {
      const text = carry + decoder.decode(chunk, { stream: true })
      const cut = text.lastIndexOf("\n")
      carry = cut < 0 ? text : text.slice(cut + 1)
      const complete = cut < 0 ? "" : text.slice(0, cut)
      remember(complete)
      if (watch) {
        const match = /listening on (http:\/\/\S+)/.exec(complete)
        if (match?.[1]) resolveUrl(match[1].replace(/\/$/, ""))
      }
    }
  }
  void drain(child.stdout, true)
  void drain(child.stderr, false)
  const timeoutMs = options.timeoutMs ?? 20_000
  let timer: Timer | undefined
  const outcome = await Promise.race([
    urlSeen.then((url) => ({ url })),
    child.exited.then((code) => ({ exited: code })),
    new Promise<{ timeout: true }>(
      (resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs)),
    ),
  ])
  clearTimeout(timer)
  const output = () => lines.join("\n")
  const waitExit = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(graceMs).then(() => false)])
    if (!exited) {
      child.kill("SIGKILL")
      await child.exited
    }
  }
  if (!("url" in outcome)) {
    await waitExit("SIGKILL", 1000)
    const why =
      "exited" in outcome ? `exited with ${outcome.exited}` : `printed no listening line in ${timeoutMs} ms`
    throw new Error(`${command.join(" ")} ${why}:\n${output()}`)
  }
  return {
    pid: child.pid,
    url: outcome.url,
    process: child,
    output,
    stop: (graceMs = 3000) => waitExit("SIGTERM", graceMs),
    kill: () => waitExit("SIGKILL", 1000),
  }
}

/**
 * Run a Bun script pinned to a CPU, pass it a JSON config as its one argument, and parse the JSON
 * object it prints as its last stdout line. Its stderr passes through (progress notes).
 */
export const runJsonProcess = async <Result>(
  command: readonly string[],
  config: unknown,
  options: { cpu: string | null; cwd?: string; timeoutMs: number },
): Promise<Result> => {
  const child = Bun.spawn(pinnedCommand([...command, JSON.stringify(config)], options.cpu), {
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  })
  track(child)
  // Past the budget: SIGTERM first, so a child that started servers of its own can stop them.
  let killer: Timer | undefined
  const timer = setTimeout(() => {
    child.kill("SIGTERM")
    killer = setTimeout(() => child.kill("SIGKILL"), 5000)
  }, options.timeoutMs)
  const [text, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
  clearTimeout(timer)
  clearTimeout(killer)
  const last = text.trim().split("\n").at(-1) ?? ""
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code ?? child.signalCode}: ${last}`)
  try {
    return JSON.parse(last) as Result
  } catch {
    throw new Error(
      `${command.join(" ")} printed no JSON result, last line: ${JSON.stringify(last.slice(0, 300))}`,
    )
  }
}
