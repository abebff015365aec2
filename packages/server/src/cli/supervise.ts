/**
 * `tether serve --supervise …`: a parent process that keeps a server child alive and working.
 *
 * The child is `tether serve` with the same flags minus the supervisor's own, and listens on the port
 * itself: no proxy sits in the path, clients talk to the child. The address stays the same across
 * restarts: with `--port 0` (flag or config) the supervisor picks one free port once and passes it.
 * The SQLite event log lives in the data dir and so carries over; clients see a reconnect and resume
 * from their last id.
 *
 * The supervisor polls `GET /global/health/ready` and replaces the child when it exits or crashes,
 * or stays not-ready past a grace: SIGTERM, then SIGKILL if it does not stop. Each restart is logged
 * to stderr with its reason; a child that keeps failing is restarted after a growing delay.
 * SIGINT/SIGTERM to the supervisor stop the child and exit 0.
 *
 * @module
 */
import { createServer } from "node:net"
import { loadConfig } from "@tether/core"
import { Effect } from "effect"
import { DEFAULT_READY_DEADLINE_MS } from "../health/readiness.ts"
import { PASSWORD_ENV, passwordRefusal } from "../http/access.ts"
import { supervisorLog } from "../observability/supervisor-log.ts"
import { SUPERVISOR_PID_ENV, watchParent } from "./parent-watch.ts"
import { ExitCode } from "./run-main.ts"

/** The supervisor's own flags (removed from the child's command line), with their defaults. */
export interface SuperviseOptions {
  /** `--ready-interval-ms`: time between readiness polls. Default 1000. */
  readonly readyIntervalMs: number
  /** `--ready-grace-ms`: how long a child that was ready may stay not-ready before it is replaced. Default 10000. */
  readonly readyGraceMs: number
  /** `--ready-timeout-ms`: how long one poll may take before it counts as not-ready. Default 2000. */
  readonly readyTimeoutMs: number
  /** `--start-timeout-ms`: how long a new child has to become ready the first time. Default 30000. */
  readonly startTimeoutMs: number
  /** `--stop-timeout-ms`: SIGTERM to SIGKILL. Default 5000. */
  readonly stopTimeoutMs: number
  /** `--restart-delay-ms`: first restart delay; it doubles per consecutive failure. Default 500. */
  readonly restartDelayMs: number
  /** `--restart-delay-max-ms`: the cap of that delay. Default 30000. */
  readonly restartDelayMaxMs: number
  /** `--stable-ms`: a child ready this long resets the failure count. Default 30000. */
  readonly stableMs: number
}

/** Defaults of {@link SuperviseOptions}. */
export const SUPERVISE_DEFAULTS: SuperviseOptions = {
  readyIntervalMs: 1000,
  readyGraceMs: 10_000,
  readyTimeoutMs: 2000,
  startTimeoutMs: 30_000,
  stopTimeoutMs: 5000,
  restartDelayMs: 500,
  restartDelayMaxMs: 30_000,
  stableMs: 30_000,
}

const FLAGS: Record<string, keyof SuperviseOptions> = {
  "--ready-interval-ms": "readyIntervalMs",
  "--ready-grace-ms": "readyGraceMs",
  "--ready-timeout-ms": "readyTimeoutMs",
  "--start-timeout-ms": "startTimeoutMs",
  "--stop-timeout-ms": "stopTimeoutMs",
  "--restart-delay-ms": "restartDelayMs",
  "--restart-delay-max-ms": "restartDelayMaxMs",
  "--stable-ms": "stableMs",
}

/** Split `serve` arguments: the supervisor's options, and the flags passed on to the child. */
export interface SuperviseArgs {
  readonly options: SuperviseOptions
  readonly childArgs: readonly string[]
  /** `--port` as given (`undefined`: from the config). */
  readonly port: number | undefined
  readonly hostname: string | undefined
  readonly configPath: string | undefined
}

/**
 * Parses the arguments after `serve`. Throws an `Error` with a usage message on a bad value.
 *
 * @example
 * ```ts
 * import { parseSuperviseArgs } from "./supervise.ts"
 * parseSuperviseArgs(["--supervise", "--port", "0", "--ready-grace-ms", "2000"]).childArgs // ["--port", "0"]
 * ```
 */
export const parseSuperviseArgs = (args: readonly string[]): SuperviseArgs => {
  const options: Record<string, number> = { ...SUPERVISE_DEFAULTS }
  const childArgs: string[] = []
  const flagValue = (name: string): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? ""
      if (arg === name) return args[i + 1]
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1)
    }
    return undefined
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === "--supervise") continue
    const eq = arg.indexOf("=")
    const name = eq === -1 ? arg : arg.slice(0, eq)
    const key = FLAGS[name]
    if (key === undefined) {
      childArgs.push(arg)
      continue
    }
    const raw = eq === -1 ? args[++i] : arg.slice(eq + 1)
    const value = Number(raw)
    if (raw === undefined || raw === "" || !Number.isInteger(value) || value < 1) {
      throw new Error(
        `${name}: expected a whole number of milliseconds ≥ 1, got ${raw === undefined ? "nothing" : `"${raw}"`}`,
      )
    }
    options[key] = value
  }
  const portText = flagValue("--port")
  let port: number | undefined
  if (portText !== undefined) {
    port = Number(portText)
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new Error(`--port: expected an integer from 0 to 65535, got "${portText}"`)
    }
  }
  // A poll that gives up before the child's own checks may settle would call a healthy child unready.
  const deadlineText = flagValue("--ready-deadline-ms")
  const deadlineMs = deadlineText === undefined ? DEFAULT_READY_DEADLINE_MS : Number(deadlineText)
  const readyTimeoutMs = options.readyTimeoutMs as number
  if (deadlineMs >= readyTimeoutMs) {
    throw new Error(
      `--ready-timeout-ms (${readyTimeoutMs}) must be longer than the server's --ready-deadline-ms ` +
        `(${deadlineMs}${deadlineText === undefined ? ", its default" : ""}): a poll must outlast the checks it waits for`,
    )
  }
  return {
    options: options as unknown as SuperviseOptions,
    childArgs,
    port,
    hostname: flagValue("--hostname"),
    configPath: flagValue("--config"),
  }
}

/**
 * `tether serve --supervise …` as the CLI's effect: SIGINT/SIGTERM (an interruption under `runMain`)
 * stop the child before the process exits 0; a start failure exits with the child's code.
 *
 * @example
 * ```ts
 * import { supervise } from "./supervise.ts"
 * // in `tether serve`: if (args.includes("--supervise")) return yield* supervise(args)
 * ```
 */
export const supervise = (args: readonly string[]): Effect.Effect<void, ExitCode> =>
  Effect.callback<number>((resume) => {
    const stop = new AbortController()
    const done = runSupervisor(args, { stopSignal: stop.signal })
    void done.then((code) => resume(Effect.succeed(code)))
    // Interruption waits for this: the child is stopped before runMain exits.
    return Effect.promise(() => {
      stop.abort()
      return done
    })
  }).pipe(Effect.flatMap((code) => (code === 0 ? Effect.void : Effect.fail(new ExitCode(code)))))

/** Where the supervisor writes; replaceable in tests. */
export interface SuperviseIo {
  /** The child's command line before `serve`. Default: this very CLI (`bun [conditions] main.ts`). */
  readonly command?: readonly string[]
  readonly env?: Record<string, string | undefined>
  readonly stdout?: (line: string) => void
  readonly log?: (line: string) => void
  /** Resolves when the supervisor must stop. Default: the first SIGINT or SIGTERM. */
  readonly stopSignal?: AbortSignal
}

/**
 * Runs the supervisor until SIGINT/SIGTERM (→ 0) or until the very first child fails before it ever
 * listened, e.g. an invalid config or a refused bind (→ that child's exit code: retrying cannot help).
 *
 * @example
 * ```ts
 * import { runSupervisor } from "./supervise.ts"
 * // tether serve --supervise --port 0
 * runSupervisor(["--supervise", "--port", "0"]).then((code) => process.exit(code))
 * ```
 */
export const runSupervisor = async (args: readonly string[], io: SuperviseIo = {}): Promise<number> => {
  const env = io.env ?? process.env
  const log = io.log ?? supervisorLog(args)
  const stdout = io.stdout ?? ((line: string) => process.stdout.write(`${line}\n`))
  let parsed: SuperviseArgs
  let hostname: string
  let port: number
  try {
    // Refused here too, before any child: a child would refuse it anyway, and every poll would fail.
    const refusal = passwordRefusal(env[PASSWORD_ENV])
    if (refusal !== null) throw new Error(`tether: ${refusal}`)
    parsed = parseSuperviseArgs(args)
    const fromConfig =
      parsed.port === undefined || parsed.hostname === undefined
        ? (await loadConfig({ configPath: parsed.configPath, env })).config.server
        : undefined
    hostname = parsed.hostname ?? fromConfig?.hostname ?? "127.0.0.1"
    port = parsed.port ?? fromConfig?.port ?? 4096
    // The one free port, picked once: every child listens on it.
    if (port === 0) port = await freePort(hostname)
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
  const { options } = parsed
  if (
    parsed.childArgs.some(
      (arg, i) =>
        arg === "--event-log=memory" || (arg === "--event-log" && parsed.childArgs[i + 1] === "memory"),
    )
  ) {
    log("warning: --event-log memory keeps events in the child only: every restart loses them (use sqlite)")
  }
  const childArgs = [...withoutFlag(parsed.childArgs, "--port"), "--port", String(port)]
  const command = io.command ?? [process.execPath, ...process.execArgv, process.argv[1] ?? "tether"]
  const readyUrl = `http://${connectHost(hostname)}:${port}/global/health/ready`
  const password = env[PASSWORD_ENV]
  const headers: Record<string, string> = password ? { authorization: `Bearer ${password}` } : {}

  const stop = new AbortController()
  const onSignal = (): void => stop.abort()
  if (io.stopSignal === undefined) {
    process.on("SIGINT", onSignal)
    process.on("SIGTERM", onSignal)
  } else if (io.stopSignal.aborted) stop.abort()
  else io.stopSignal.addEventListener("abort", onSignal, { once: true })

  // Started by `bun run tether …` that was then SIGKILLed: stop the child and leave, not linger.
  const unwatch = watchParent({
    env,
    onGone: (parent) => {
      log(`the process that started the supervisor (pid ${parent}) is gone; stopping`)
      stop.abort()
    },
  })

  let announced = false
  let failures = 0
  let spawned = 0
  try {
    while (!stop.signal.aborted) {
      spawned++
      const child = Bun.spawn([...command, "serve", ...childArgs], {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "inherit",
        env: { ...env, [SUPERVISOR_PID_ENV]: String(process.pid) },
      })
      let listened = false
      const lines = forwardLines(child.stdout, (line) => {
        if (line.startsWith("tether listening on ")) {
          listened = true
          if (announced) return
          announced = true
        }
        stdout(line)
      })
      log(`child ${child.pid} started${spawned > 1 ? ` (restart ${spawned - 1})` : ""}`)
      const outcome = await watchChild(child, readyUrl, headers, options, stop.signal)
      if (outcome.kind === "stopping") {
        await stopChild(child, options.stopTimeoutMs, log)
        await lines
        break
      }
      // The child's stdout is read to its end first, so `listened` is final.
      if (outcome.kind === "exited") await lines
      if (outcome.kind === "exited" && (child.exitCode === 0 || child.signalCode === "SIGINT")) {
        // Ctrl-C in a terminal signals the whole process group: the child may stop a moment before
        // the supervisor hears of it. Give our own stop a moment to arrive before calling it a failure.
        await sleep(250, stop.signal)
        if (stop.signal.aborted) break
      }
      if (outcome.kind === "exited" && spawned === 1 && !listened) {
        log(`child ${child.pid} ${outcome.reason} before it listened; not restarting (see its message above)`)
        return child.exitCode ?? 1
      }
      log(`restarting child ${child.pid}: ${outcome.reason}`)
      if (outcome.kind !== "exited") await stopChild(child, options.stopTimeoutMs, log)
      await lines
      failures = outcome.readyForMs >= options.stableMs ? 1 : failures + 1
      const delay = Math.min(options.restartDelayMaxMs, options.restartDelayMs * 2 ** (failures - 1))
      if (failures > 1) log(`child failed ${failures} times in a row; next start in ${delay} ms`)
      await sleep(delay, stop.signal)
    }
    return 0
  } finally {
    unwatch()
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
  }
}

type Outcome =
  | { readonly kind: "stopping" }
  | { readonly kind: "exited" | "unready"; readonly reason: string; readonly readyForMs: number }

type Child = Bun.Subprocess<"ignore", "pipe", "inherit">

/** Polls readiness until the child must go (or the supervisor stops). */
const watchChild = async (
  child: Child,
  url: string,
  headers: Record<string, string>,
  options: SuperviseOptions,
  stop: AbortSignal,
): Promise<Outcome> => {
  const startedAt = Date.now()
  let firstReadyAt: number | undefined
  let lastReadyAt: number | undefined
  let lastProblem = "no answer yet"
  let exited = false
  const exit = child.exited.then(() => {
    exited = true
  })
  const readyFor = (): number =>
    firstReadyAt === undefined ? 0 : (lastReadyAt ?? firstReadyAt) - firstReadyAt
  const exitOutcome = (): Outcome => ({
    kind: "exited",
    reason:
      child.signalCode !== null && child.signalCode !== undefined
        ? `it was killed by ${child.signalCode}`
        : `it exited with code ${child.exitCode}`,
    readyForMs: readyFor(),
  })
  while (!stop.aborted) {
    if (exited) return exitOutcome()
    const problem = await poll(url, headers, options.readyTimeoutMs)
    if (exited) return exitOutcome()
    const now = Date.now()
    if (problem === null) {
      firstReadyAt ??= now
      lastReadyAt = now
    } else {
      lastProblem = problem
      if (lastReadyAt === undefined) {
        if (now - startedAt > options.startTimeoutMs) {
          return {
            kind: "unready",
            reason: `not ready ${now - startedAt} ms after start (limit ${options.startTimeoutMs} ms): ${lastProblem}`,
            readyForMs: 0,
          }
        }
      } else if (now - lastReadyAt > options.readyGraceMs) {
        return {
          kind: "unready",
          reason: `not ready for ${now - lastReadyAt} ms (grace ${options.readyGraceMs} ms): ${lastProblem}`,
          readyForMs: readyFor(),
        }
      }
    }
    await Promise.race([sleep(options.readyIntervalMs, stop), exit])
  }
  return { kind: "stopping" }
}

/** One readiness poll: `null` when ready, else what is wrong, with its figures. */
const poll = async (
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<string | null> => {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
    const text = await response.text()
    if (response.status === 200) return null
    try {
      const body = JSON.parse(text) as { checks?: Record<string, { ok?: boolean; error?: string }> }
      const failed = Object.entries(body.checks ?? {})
        .filter(([, check]) => check.ok === false)
        .map(([name, check]) => `${name}: ${check.error ?? "failed"}`)
      if (failed.length > 0) return `${response.status} (${failed.join("; ")})`
    } catch {
      // not the readiness body: report the status alone
    }
    return `HTTP ${response.status}`
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return `no answer to the readiness poll within ${timeoutMs} ms`
    }
    return `readiness poll failed: ${error instanceof Error ? error.message : String(error)}`
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child is gone. */
const stopChild = async (child: Child, timeoutMs: number, log: (line: string) => void): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill("SIGTERM")
  const stopped = await Promise.race([child.exited.then(() => true), Bun.sleep(timeoutMs).then(() => false)])
  if (stopped) return
  log(`child ${child.pid} did not stop within ${timeoutMs} ms of SIGTERM; sending SIGKILL`)
  child.kill("SIGKILL")
  await child.exited
}

const forwardLines = async (
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> => {
  const decoder = new TextDecoder()
  let pending = ""
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true })
    let newline = pending.indexOf("\n")
    while (newline !== -1) {
      onLine(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf("\n")
    }
  }
  pending += decoder.decode()
  if (pending !== "") onLine(pending)
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })

const withoutFlag = (args: readonly string[], name: string): string[] => {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg === name) i++
    else if (!arg.startsWith(`${name}=`)) out.push(arg)
  }
  return out
}

/** The address to poll: a wildcard bind is reached on loopback. */
const connectHost = (hostname: string): string => {
  if (hostname === "0.0.0.0") return "127.0.0.1"
  if (hostname === "::" || hostname === "[::]") return "[::1]"
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname
}

/** Asks the kernel for a free port on `hostname`, then releases it for the child. */
const freePort = (hostname: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen({ host: hostname.replace(/^\[|\]$/g, ""), port: 0, exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
