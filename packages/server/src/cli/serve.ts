/**
 * `tether serve`: load and validate the config (flags override the file), open the event log,
 * listen, print `tether listening on http://HOST:PORT`, and run until SIGINT/SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util"
import { ConfigFileError, ConfigInvalid, defaultDataDir } from "@tether/core"
import { Context, Effect, Layer } from "effect"
import { appLayer, type ServerDecorators } from "../app-layer.ts"
import { chooseEventLog } from "../event/log-choice.ts"
import { HttpServer } from "../http/server.ts"
import { parseLogFlags } from "../observability/log-flags.ts"
import { makeTelemetry } from "../observability/telemetry.ts"
import { resolveConfig } from "../start.ts"
import { ENVIRONMENT_HELP } from "./environment-help.ts"
import { stopWhenParentGone } from "./parent-watch.ts"
import { fail } from "./run-main.ts"
import { supervise } from "./supervise.ts"

/** The flags of `tether serve` (one line per flag). */
export const SERVE_FLAGS = {
  port: { type: "string" },
  hostname: { type: "string" },
  config: { type: "string" },
  "data-dir": { type: "string" },
  "event-log": { type: "string" },
  "redis-url": { type: "string" },
  "ready-deadline-ms": { type: "string" },
  "ready-max-lag-ms": { type: "string" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const

export const SERVE_USAGE = `Usage: tether serve [--port N] [--hostname H] [--config PATH] [--data-dir DIR] [--event-log sqlite|memory|redis]
                    [--redis-url URL] [--ready-deadline-ms N] [--ready-max-lag-ms N] [--log-format pretty|json]
                    [--log-level debug|info|warn|error] [--supervise …]

  --port N          TCP port (default: server.port, 4096); 0 picks a free port
  --hostname H      address to bind (default: server.hostname, 127.0.0.1)
  --config PATH     config file (default lookup: $TETHER_CONFIG, ./tether.jsonc, ./tether.json, XDG config dir)
  --data-dir DIR    where the event log is stored (default: $XDG_DATA_HOME/tether)
  --event-log KIND  sqlite (default, durable), memory (nothing survives a restart), or redis (several
                    instances share one log; default: server.event_log.kind)
  --redis-url URL   redis://HOST:PORT[/DB] of the shared log (default: $TETHER_REDIS_URL,
                    server.event_log.redis_url)
  --ready-deadline-ms N
                    how long readiness's bus round trip and store write may take (default 1000)
  --ready-max-lag-ms N
                    event-loop lag above which the server reports not ready (default 500)
  --log-format pretty|json
                    lifecycle log lines on stderr: one readable line, or one JSON object (default pretty)
  --log-level debug|info|warn|error
                    the least severe lines written (default info; debug adds every stream opened and closed)
  --supervise       run the server as a child process and restart it when it exits or stays not-ready;
                    tuning: --ready-interval-ms --ready-grace-ms --ready-timeout-ms --start-timeout-ms
                    --stop-timeout-ms --restart-delay-ms --restart-delay-max-ms --stable-ms`

/**
 * Runs `tether serve` with its arguments (after the word `serve`); `decorate` wraps the server's log and
 * bus (the test entry point's faults; the bin passes none).
 */
export const serve = (args: readonly string[], decorate?: ServerDecorators): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    if (args.includes("--help") || args.includes("-h")) {
      process.stdout.write(`${SERVE_USAGE}\n\n${ENVIRONMENT_HELP}\n`)
      return
    }
    if (args.includes("--supervise")) return yield* supervise(args)
    const parsed = yield* Effect.try({
      try: () => parseArgs({ args: [...args], options: SERVE_FLAGS, allowPositionals: false, strict: true }),
      catch: (error) => (error instanceof Error ? error.message : String(error)),
    }).pipe(Effect.catch((message) => fail(`tether serve: ${message}\n\n${SERVE_USAGE}`, 2)))
    const flags = parsed.values
    const port = flags.port === undefined ? undefined : yield* parsePort(flags.port)
    if (flags["event-log"] !== undefined && !["sqlite", "memory", "redis"].includes(flags["event-log"]))
      return yield* fail(
        `tether serve: --event-log expects sqlite, memory or redis, got "${flags["event-log"]}"`,
        2,
      )
    const deadlineMs = yield* parseMs("--ready-deadline-ms", flags["ready-deadline-ms"], READY_DEADLINE_RANGE)
    const lagThresholdMs = yield* parseMs("--ready-max-lag-ms", flags["ready-max-lag-ms"], READY_LAG_RANGE)
    const logFlags = parseLogFlags(flags["log-format"], flags["log-level"])
    if (typeof logFlags === "string") return yield* fail(`tether serve: ${logFlags}`, 2)
    const resolved = yield* Effect.tryPromise({
      try: () =>
        resolveConfig({
          ...(flags.config === undefined ? {} : { configPath: flags.config }),
          ...(port === undefined ? {} : { port }),
          ...(flags.hostname === undefined ? {} : { hostname: flags.hostname }),
        }),
      catch: (error) => error,
    }).pipe(Effect.catch((error) => fail(describeStartError(error))))
    const eventLog = chooseEventLog({
      flagKind: flags["event-log"],
      flagUrl: flags["redis-url"],
      envUrl: process.env.TETHER_REDIS_URL,
      config: resolved.config,
    })
    if (typeof eventLog === "string") return yield* fail(`tether serve: ${eventLog}`, 2)

    const layer = appLayer({
      config: resolved.config,
      configPath: resolved.path,
      dataDir: flags["data-dir"] ?? defaultDataDir(),
      eventLog: eventLog.kind,
      redisUrl: eventLog.redisUrl,
      readiness: {
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
        ...(lagThresholdMs === undefined ? {} : { lagThresholdMs }),
      },
      telemetry: makeTelemetry({ ...logFlags, eventLog: eventLog.kind }),
      decorate,
    })
    yield* Effect.scoped(
      Effect.gen(function* () {
        // A port in use or an unusable data dir: say so and exit 1, nothing half-started.
        const services = yield* Layer.build(layer).pipe(
          Effect.catch((error) => fail(`tether: ${error.message}`)),
        )
        const server = Context.get(services, HttpServer)
        process.stdout.write(`tether listening on ${server.url}\n`)
        stopWhenParentGone()
        return yield* Effect.never
      }),
    )
  })

const parsePort = (text: string) => {
  const port = Number(text)
  return /^\d+$/.test(text) && port <= 65_535
    ? Effect.succeed(port)
    : fail(`tether serve: --port expects an integer from 0 to 65535, got "${text}"`, 2)
}

/** Readiness limits: below these a healthy server on a busy laptop would flap; above, a wedge goes unseen. */
export const READY_DEADLINE_RANGE = { min: 50, max: 60_000 } as const
export const READY_LAG_RANGE = { min: 10, max: 60_000 } as const

const parseMs = (flag: string, text: string | undefined, range: { min: number; max: number }) => {
  if (text === undefined) return Effect.succeed(undefined)
  const value = Number(text)
  return /^\d+$/.test(text) && value >= range.min && value <= range.max
    ? Effect.succeed(value)
    : fail(
        `tether serve: ${flag} expects an integer from ${range.min} to ${range.max} (ms), got "${text}"`,
        2,
      )
}

/** The message for a config that cannot be used (core's message, already naming file, key and value). */
export const describeStartError = (error: unknown): string => {
  if (error instanceof ConfigInvalid || error instanceof ConfigFileError) return error.message
  return `tether: ${error instanceof Error ? error.message : String(error)}`
}
