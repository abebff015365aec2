/**
 * @module
 * Runs a command to completion and keeps its output, so a failed step can show what the tool said.
 */

export interface RunOptions {
  cwd: string
  env?: Record<string, string | undefined>
  /** Kill the command after this many milliseconds (default 5 minutes). */
  timeoutMs?: number
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
  /** Wall time in milliseconds. */
  ms: number
}

/** A command that exited non-zero or timed out; `message` ends with the tail of its output. */
export class CommandFailed extends Error {
  override name = "CommandFailed"
  constructor(
    readonly command: string[],
    readonly result: RunResult,
    readonly timedOut: boolean,
  ) {
    const how = timedOut ? "timed out" : `exited ${result.code}`
    super(`\`${command.join(" ")}\` ${how}\n${tail(`${result.stdout}\n${result.stderr}`.trim(), 40)}`)
  }
}

/** The last `lines` lines of `text`, indented for a report. */
export function tail(text: string, lines: number): string {
  const all = text.split("\n")
  const shown = all.slice(-lines)
  const cut = all.length > lines ? `    … (${all.length - lines} earlier lines)\n` : ""
  return cut + shown.map((line) => `    ${line}`).join("\n")
}

/** Runs `command`; resolves with its output whatever the exit code. */
export async function run(
  command: string[],
  options: RunOptions,
): Promise<RunResult & { timedOut: boolean }> {
  const started = performance.now()
  const proc = Bun.spawn(command, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    proc.kill("SIGKILL")
  }, options.timeoutMs ?? 300_000)
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ])
    return { code, stdout, stderr, ms: performance.now() - started, timedOut }
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `command` and throws {@link CommandFailed} unless it exits 0 in time. */
export async function runOk(command: string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, options)
  if (result.code !== 0 || result.timedOut) throw new CommandFailed(command, result, result.timedOut)
  return result
}
