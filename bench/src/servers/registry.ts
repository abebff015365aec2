/**
 * The servers a fan-out run can start, each as the command that runs it and what to call it.
 *
 * @module
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import type { ServerName } from "../options.ts"
import { buildForNode } from "../process/build-for-node.ts"

/** The repository root (bench/ is one level down). */
export const REPO_ROOT = resolve(import.meta.dir, "../../..")
const BENCH_ROOT = resolve(import.meta.dir, "../..")

/** Tether's CLI entry, run from source like every workspace script. */
export const TETHER_MAIN = join(REPO_ROOT, "packages/server/src/cli/main.ts")

/** How to start one server. */
export interface ServerLaunch {
  readonly command: string[]
  readonly cwd: string
}

/** Human labels for the report. */
export const SERVER_LABELS: Record<ServerName, string> = {
  floor: "floor (Bun.serve, encode once, enqueue)",
  hono: "Hono streamSSE (Bun)",
  "better-sse": "better-sse Channel (Node)",
  "effect-stream": "Effect 4 PubSub → Stream → Sse.encode",
  tether: "Tether, SQLite log",
  "tether-scraped": "Tether, SQLite log, GET /global/metrics scraped every 1 s",
  "tether-memory": "Tether, --event-log memory",
  "tether-redis": "Tether ×2 on Redis Streams (subscribers split, publishes through both)",
}

/** Short names for the chart legend. */
export const SERVER_SHORT_LABELS: Record<ServerName, string> = {
  floor: "floor (Bun.serve)",
  hono: "Hono streamSSE",
  "better-sse": "better-sse (Node)",
  "effect-stream": "Effect PubSub→Stream",
  tether: "Tether (SQLite log)",
  "tether-scraped": "Tether (SQLite, scraped)",
  "tether-memory": "Tether (memory log)",
  "tether-redis": "Tether ×2 on Redis",
}

/**
 * A temp `tether.json` for benchmarks: 1 s heartbeat (as the anchors), a buffer bound large enough
 * that the overload runs measure delivery rather than slow-client drops, and retention above what
 * one run publishes.
 */
export const writeTetherBenchConfig = (heartbeatMs: number): { configPath: string; dataDir: string } => {
  const dir = mkdtempSync(join(tmpdir(), "tether-bench-"))
  const configPath = join(dir, "tether.json")
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        server: {
          event_stream: {
            heartbeat_ms: heartbeatMs,
            max_buffered_bytes: 64 * 1024 * 1024,
            retention_events: 100_000,
          },
        },
      },
      null,
      2,
    ),
  )
  const dataDir = join(dir, "data")
  return { configPath, dataDir }
}

/** Whether Tether's CLI is there to run (it is being written beside this harness). */
export const tetherAvailable = (): boolean => existsSync(TETHER_MAIN)

/** The `tether serve` command line, Tether's own flags given last. */
export const tetherCommand = (options: {
  heartbeatMs: number
  port?: number
  memoryLog?: boolean
  /** Runs on the shared Redis log at this URL instead. */
  redisUrl?: string
  dataDir?: string
  configPath?: string
  /** A module `bun --preload`s into the server (e.g. the event-loop lag probe). */
  preload?: string
}): string[] => {
  const files =
    options.configPath && options.dataDir
      ? { configPath: options.configPath, dataDir: options.dataDir }
      : writeTetherBenchConfig(options.heartbeatMs)
  return [
    process.execPath,
    "--conditions=@tether/source",
    ...(options.preload ? ["--preload", options.preload] : []),
    TETHER_MAIN,
    "serve",
    "--port",
    String(options.port ?? 0),
    "--config",
    files.configPath,
    "--data-dir",
    files.dataDir,
    ...(options.memoryLog ? ["--event-log", "memory"] : []),
    ...(options.redisUrl ? ["--event-log", "redis", "--redis-url", options.redisUrl] : []),
  ]
}

let betterSseBundle: Promise<string> | undefined

/**
 * The command that starts server `name` on a free port with the given heartbeat; with `profile`,
 * Bun servers run under `--cpu-prof` writing `<dir>/<name>.cpuprofile` when they exit.
 */
export const launchFor = async (
  name: ServerName,
  heartbeatMs: number,
  profile?: { dir: string; name: string },
): Promise<ServerLaunch> => {
  const bun = profile
    ? [
        process.execPath,
        "--cpu-prof",
        `--cpu-prof-dir=${profile.dir}`,
        `--cpu-prof-name=${profile.name}.cpuprofile`,
      ]
    : [process.execPath]
  const anchor = (file: string): ServerLaunch => ({
    command: [...bun, join(BENCH_ROOT, "src/servers", file), "--heartbeat-ms", String(heartbeatMs)],
    cwd: BENCH_ROOT,
  })
  switch (name) {
    case "floor":
      return anchor("floor.ts")
    case "hono":
      return anchor("hono.ts")
    case "effect-stream":
      return anchor("effect-stream.ts")
    case "better-sse": {
      betterSseBundle ??= buildForNode(join(BENCH_ROOT, "src/servers/better-sse-node.ts"))
      return {
        command: ["node", await betterSseBundle, "--heartbeat-ms", String(heartbeatMs)],
        cwd: BENCH_ROOT,
      }
    }
    case "tether":
    case "tether-scraped":
      return { command: [...bun, ...tetherCommand({ heartbeatMs }).slice(1)], cwd: REPO_ROOT }
    case "tether-memory":
      return {
        command: [...bun, ...tetherCommand({ heartbeatMs, memoryLog: true }).slice(1)],
        cwd: REPO_ROOT,
      }
    case "tether-redis":
      throw new Error(
        "tether-redis is several processes: start it with startRedisPair (servers/redis-pair.ts)",
      )
  }
}
