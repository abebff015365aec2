#!/usr/bin/env bun
/**
 * The `tether` CLI, and the only `runMain` of the package.
 *
 * @module
 */
import { Effect } from "effect"
import { VERSION } from "../version.ts"
import { CONFIG_USAGE, configCommand } from "./config-command.ts"
import { ENVIRONMENT_HELP } from "./environment-help.ts"
import { fail, runMain } from "./run-main.ts"
import { SERVE_USAGE, serve } from "./serve.ts"
import { userDirectory } from "./user-directory.ts"

/** The commands, by first word (one line each). */
const commands: Record<string, (args: readonly string[]) => Effect.Effect<void, unknown>> = {
  serve,
  config: configCommand,
}

const USAGE = `tether ${VERSION}: a local server with a live event stream that does not silently die

${SERVE_USAGE}

${CONFIG_USAGE}

  tether --help | --version        every command also answers --help

${ENVIRONMENT_HELP}`

const main = (argv: readonly string[]): Effect.Effect<void, unknown> => {
  const [name, ...rest] = argv
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    return Effect.sync(() => process.stdout.write(`${USAGE}\n`))
  }
  if (name === "--version" || name === "-v") return Effect.sync(() => process.stdout.write(`${VERSION}\n`))
  const command = commands[name]
  return command === undefined ? fail(`tether: unknown command "${name}"\n\n${USAGE}`, 2) : command(rest)
}

// Relative paths (--config, --data-dir, validate's PATH, ./tether.jsonc) are meant from where the user
// typed the command, which `bun run tether` from a sub-folder is not.
const here = userDirectory(process.env, process.cwd())
try {
  if (here !== process.cwd()) process.chdir(here)
} catch (error) {
  // That folder is gone or unreadable: say so, and keep the script's own directory.
  process.stderr.write(
    `tether: cannot work from ${here} (${error instanceof Error ? error.message : error}); using ${process.cwd()}\n`,
  )
}

runMain(main(process.argv.slice(2)))
