/**
 * Processes as the kernel sees them (Linux `/proc`), for tests that kill a launcher and check that
 * nothing it started lingers: children, descendants, and whether a pid still runs (a zombie does not:
 * an orphan reparented to a PID 1 that never reaps stays one).
 */
import { readdirSync, readFileSync } from "node:fs"

const stat = (pid: number): { ppid: number; state: string } | null => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ")".
    const [state = "", ppid = "0"] = text.slice(text.lastIndexOf(")") + 2).split(" ")
    return { ppid: Number(ppid), state }
  } catch {
    return null
  }
}

/** Whether `pid` is a running (not exited, not zombie) process. */
export const isRunning = (pid: number): boolean => {
  const s = stat(pid)
  return s !== null && s.state !== "Z" && s.state !== "X"
}

/** Every running process below `pid`, children first. */
export const descendantsOf = (pid: number): number[] => {
  const parents = new Map<number, number[]>()
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    const s = stat(Number(name))
    if (s === null || s.state === "Z") continue
    parents.set(s.ppid, [...(parents.get(s.ppid) ?? []), Number(name)])
  }
  const out: number[] = []
  const queue = [pid]
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    for (const child of parents.get(queue[i] as number) ?? []) {
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

/** Waits until none of `pids` runs, up to `timeoutMs`; resolves with those still running. */
export const waitGone = async (pids: readonly number[], timeoutMs: number): Promise<number[]> => {
  const deadline = Date.now() + timeoutMs
  let left = pids.filter(isRunning)
  while (left.length > 0 && Date.now() < deadline) {
    await Bun.sleep(50)
    left = left.filter(isRunning)
  }
  return left
}

/** SIGKILLs every pid still running (cleanup after a failed assertion). */
export const killRunning = (pids: readonly number[]): void => {
  for (const pid of pids) {
    try {
      if (isRunning(pid)) process.kill(pid, "SIGKILL")
    } catch {
      // gone meanwhile
    }
  }
}

/** A process's output, collected as text in the background (so the pipe never fills). */
export interface Collected {
  text(): string
  /** The first match of `pattern` in the text so far or to come; throws after `timeoutMs` or at the end. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>
}

/** Starts collecting `stream`. */
export const collect = (stream: ReadableStream<Uint8Array>): Collected => {
  let text = ""
  let ended = false
  void (async () => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true })
    ended = true
  })()
  return {
    text: () => text,
    waitFor: async (pattern, timeoutMs) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(text)
        if (match !== null) return match
        if (ended) throw new Error(`the output ended without ${pattern}:\n${text}`)
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`)
        await Bun.sleep(50)
      }
    },
  }
}

/** A launcher started by {@link launchUntilListening}, with every process below it once it listened. */
export interface Launched {
  readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">
  readonly url: string
  readonly port: number
  readonly below: readonly number[]
  stderr(): string
}

/** Starts `command` and waits for its `tether listening on` line; then lists the processes below it. */
export const launchUntilListening = async (
  command: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs: number },
): Promise<Launched> => {
  const proc = Bun.spawn([...command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  const stdout = collect(proc.stdout)
  const stderr = collect(proc.stderr)
  const match = await stdout
    .waitFor(/tether listening on (http:\/\/\S+:(\d+))/, options.timeoutMs)
    .catch((error: Error) => {
      proc.kill("SIGKILL")
      throw new Error(`${error.message}\n${stderr.text()}`)
    })
  // Whoever prints the line (a supervisor, start.ts) has started its child by then: the tree is complete.
  return {
    proc,
    url: match[1] as string,
    port: Number(match[2]),
    below: descendantsOf(proc.pid),
    stderr: stderr.text,
  }
}

/** Whether a request to `url` still gets an answer ("answered") or the port is closed ("refused"). */
export const answers = (url: string): Promise<"answered" | "refused"> =>
  fetch(url).then(
    () => "answered",
    () => "refused",
  )
