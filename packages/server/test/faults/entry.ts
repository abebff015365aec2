#!/usr/bin/env bun
/**
 * `tether` for tests that need a server wedged on purpose: the same command line as the bin
 * (`src/cli/main.ts`), with the server built from the fault layers of `layers.ts`, chosen by
 * `TETHER_TEST_FAULT` (see `switch.ts`). Tests spawn this file; `--supervise` spawns it again for each
 * child, since a supervisor restarts the script it runs. A value that is not a fault stops it here
 * with exit 2: a typo in a test must fail that test, not run a healthy server.
 *
 * @module
 */
import { runCli } from "../../src/cli/run-cli.ts"
import { faultLayers } from "./layers.ts"
import { createFaultSwitch, type FaultSwitch } from "./switch.ts"

let faults: FaultSwitch
try {
  faults = createFaultSwitch(process.env)
} catch (error) {
  process.stderr.write(`tether (test entry): ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(2)
}
runCli(process.argv.slice(2), faultLayers(faults))
