/**
 * The supervisor's lines (`tether serve --supervise`) in the format its children log in: with
 * `--log-format json`, one JSON object per line like theirs (`"message":"supervise: …"`), so one parser
 * reads the whole stderr; otherwise its own readable line, unchanged.
 *
 * @module
 */
import { makeServerLog } from "./log.ts"

// Restarts and refusals are what an operator watches for; the rest is routine.
const WARNING = /^(warning:|restarting |child failed |child \d+ .* before it listened|child \d+ did not stop)/

/**
 * The supervisor's line writer for its arguments.
 *
 * @example
 * ```ts
 * import { supervisorLog } from "./supervisor-log.ts"
 * const log = supervisorLog(["--supervise", "--log-format", "json"])
 * log("child 4242 started")
 * // stderr: {"time":"…","level":"info","message":"supervise: child 4242 started"}
 * ```
 */
export const supervisorLog = (
  args: readonly string[],
  write: (line: string) => void = (line) => void process.stderr.write(line),
): ((line: string) => void) => {
  if (flagValue(args, "--log-format") !== "json") {
    return (line) => write(`${new Date().toISOString()} tether supervise: ${line}\n`)
  }
  const log = makeServerLog({ format: "json", level: "info", write })
  return (line) => (WARNING.test(line) ? log.warn(`supervise: ${line}`) : log.info(`supervise: ${line}`))
}

const flagValue = (args: readonly string[], flag: string): string | undefined => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === flag) return args[i + 1]
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1)
  }
  return undefined
}
