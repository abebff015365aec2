#!/usr/bin/env bun
/**
 * The `tether` bin. It imports nothing statically: the server needs Bun (`Bun.serve`, `bun:sqlite`), and
 * under Node a static import would die at load time with `ERR_UNSUPPORTED_ESM_URL_SCHEME` and a stack trace
 * before anything could explain what is wrong. So check the runtime first, then load the CLI.
 *
 * @module
 */
export {}

if (typeof (globalThis as { Bun?: unknown }).Bun === "undefined") {
  process.stderr.write(
    `tether needs Bun 1.4.4 or newer; this is Node.js ${process.version}.\n` +
      "Install Bun (npm install -g bun) and run: bunx @tether/server serve\n",
  )
  process.exit(1)
}

await import("./main.ts")
