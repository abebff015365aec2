#!/usr/bin/env bun
/**
 * The `tether` CLI as published: the command line of `run-cli.ts`, with nothing wrapped around the server.
 *
 * @module
 */
import { runCli } from "./run-cli.ts"

runCli(process.argv.slice(2))
