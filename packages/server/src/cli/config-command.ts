/**
 * `tether config validate [PATH]` and `tether config schema`.
 *
 * @module
 */
import { ConfigFileError, ConfigInvalid, configJsonSchema, loadConfig } from "@tether/core"
import { Effect } from "effect"
import { fail } from "./run-main.ts"

export const CONFIG_USAGE = `Usage:
  tether config validate [PATH]   check a config file (default: the one tether serve would use); exit 1 if invalid
                                  (a relative PATH is taken from where you typed the command)
  tether config schema            print the config's JSON Schema (for "$schema" in editors)`

const HELP_WORDS = new Set(["--help", "-h", "help"])

/** Runs `tether config <sub>` (arguments after the word `config`). */
export const configCommand = (args: readonly string[]): Effect.Effect<void, unknown> => {
  const [sub, ...rest] = args
  // `--help` anywhere asks for help: `validate --help` must not read a file named "--help".
  if (sub === undefined || HELP_WORDS.has(sub) || rest.some((arg) => arg === "--help" || arg === "-h")) {
    return Effect.sync(() => process.stdout.write(`${CONFIG_USAGE}\n`))
  }
  if (sub === "schema" && rest.length === 0) {
    return Effect.sync(() => process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`))
  }
  // A path that looks like a flag is a mistyped flag, not a file: say so rather than "no such file".
  if (sub === "validate" && rest.length <= 1 && !rest[0]?.startsWith("-")) return validate(rest[0])
  return fail(`tether config: unknown arguments: ${args.join(" ")}\n\n${CONFIG_USAGE}`, 2)
}

const validate = (path: string | undefined) =>
  Effect.tryPromise({
    try: () =>
      loadConfig(
        path === undefined ? {} : { configPath: path, configPathOrigin: "given to tether config validate" },
      ),
    catch: (error) => error,
  }).pipe(
    Effect.matchEffect({
      onSuccess: (loaded) =>
        Effect.sync(() =>
          process.stdout.write(
            loaded.path === null
              ? "No config file found: the defaults apply (valid).\n"
              : `${loaded.path} is valid.\n`,
          ),
        ),
      onFailure: (error) =>
        fail(
          error instanceof ConfigInvalid || error instanceof ConfigFileError
            ? error.message
            : `tether: ${error instanceof Error ? error.message : String(error)}`,
        ),
    }),
  )
