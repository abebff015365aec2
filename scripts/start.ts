/**
 * `bun run start [serve flags]`: builds the app, then runs `tether serve` with the flags given, so the
 * server serves `packages/app/dist` at `/` on one port (no Vite). Signals are forwarded to the server
 * and its exit code becomes ours.
 *
 * @example
 * bun run start --port 0 --data-dir /tmp/tether
 */
import { constants } from "node:os"
import { resolve } from "node:path"
import { watchParent } from "../packages/server/src/cli/parent-watch.ts"
import { userDirectory } from "../packages/server/src/cli/user-directory.ts"

const root = resolve(import.meta.dir, "..")
const args = process.argv.slice(2)
// The flags' relative paths (--config, --data-dir) are meant from where `bun run start` was typed.
const here = userDirectory(process.env, process.cwd(), "start")

// Vite bundles the workspace packages from their source (`@tether/source`), so only the app needs building.
// Its output goes to stderr: stdout stays the server's, whose `tether listening on …` line scripts wait for.
const build = Bun.spawn([process.execPath, "run", "build"], {
  cwd: resolve(root, "packages/app"),
  stdio: ["ignore", 2, "inherit"],
})
const built = await build.exited
if (built !== 0) {
  console.error(`start: building @tether/app failed (exit ${built}); not starting the server`)
  process.exit(built)
}

const server = Bun.spawn(
  [
    process.execPath,
    "--conditions=@tether/source",
    resolve(root, "packages/server/src/cli/main.ts"),
    "serve",
    ...args,
  ],
  { cwd: here, stdio: ["inherit", "inherit", "inherit"] },
)

// The server shuts down gracefully on SIGINT/SIGTERM (closes streams, flushes the log); we only relay.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => server.kill(signal))
}
// `bun run start` SIGKILLed: nobody waits for us any more, so stop the server rather than leave it
// holding the port (the server watches us the same way, should this script be the one killed).
watchParent({
  onGone: (parent) => {
    console.error(`start: the process that started this one (pid ${parent}) is gone; stopping the server`)
    server.kill("SIGTERM")
  },
})

const code = await server.exited
// A child killed by a signal exits like a shell reports it: 128 + the signal's number.
const signal = server.signalCode as keyof typeof constants.signals | null
process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : code)
