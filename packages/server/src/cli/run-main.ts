/**
 * The process entry runner (the platform packages' `runMain`, for Bun, without their dependency):
 * runs the main effect, turns SIGINT/SIGTERM into an interruption of it (so every scope finalizer
 * runs: streams end, the log is flushed), and exits with the program's code.
 *
 * @module
 */
import { Cause, Effect, Exit, Runtime } from "effect"

/** A failure that carries the process exit code (printed already, not reported again). */
export class ExitCode extends Error {
  readonly code: number
  constructor(code: number) {
    super(`exit ${code}`)
    this.code = code
  }
}

/**
 * Runs `main`: exit 0 on success or after SIGINT/SIGTERM (a requested stop is a clean stop), the
 * `ExitCode` of an expected failure, 1 for anything else (reported on stderr).
 */
export const runMain = <E, A>(effect: Effect.Effect<A, E>): void =>
  run(effect, { disableErrorReporting: true })

const run = Runtime.makeRunMain(({ fiber }) => {
  let signalled = false
  const onSignal = () => {
    if (signalled) return
    signalled = true
    fiber.interruptUnsafe()
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    process.off("SIGINT", onSignal)
    process.off("SIGTERM", onSignal)
    process.exit(exitCode(exit, signalled))
  })
})

const exitCode = (exit: Exit.Exit<unknown, unknown>, signalled: boolean): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.hasInterruptsOnly(exit.cause)) return signalled ? 0 : 130
  const error = Cause.squash(exit.cause)
  if (error instanceof ExitCode) return error.code
  process.stderr.write(`tether: unexpected failure:\n${Cause.pretty(exit.cause)}\n`)
  return 1
}

/** Fails the program with `code` after `message` was printed to stderr. */
export const fail = (message: string, code = 1): Effect.Effect<never, ExitCode> =>
  Effect.suspend(() => {
    process.stderr.write(`${message}\n`)
    return Effect.fail(new ExitCode(code))
  })
