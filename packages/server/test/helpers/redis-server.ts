/**
 * A real `redis-server` for tests, on a free loopback port, in its own temporary directory. No
 * persistence by default (`--save '' --appendonly no`); `aof: true` turns on the append-only file
 * with `appendfsync always`, for tests that restart Redis and need what it acknowledged.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"

export interface RedisServer {
  readonly port: number
  readonly url: string
  /** Runs `redis-cli` with these arguments against the server; resolves with its output. */
  cli(...args: string[]): Promise<string>
  /** Freezes the process (`SIGSTOP`): the socket stays open, nothing answers. */
  pause(): void
  /** Resumes a paused process (`SIGCONT`). */
  resume(): void
  /** Stops the server (SIGTERM, which writes the AOF), then starts it again on the same port and directory. */
  restart(): Promise<void>
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>
}

/** A port nothing listens on right now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** `redis-cli` reaching the server on `port`, with its password when it has one. */
const cliBase = (port: number, password: string | undefined): string[] => [
  "redis-cli",
  "-p",
  String(port),
  ...(password === undefined ? [] : ["--no-auth-warning", "-a", password]),
]

const waitReady = async (
  port: number,
  proc: Subprocess,
  password: string | undefined,
  timeoutMs = 10_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`)
    const ping = Bun.spawnSync([...cliBase(port, password), "ping"])
    if (ping.stdout.toString().trim() === "PONG") return
    await Bun.sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
}

/**
 * Starts `redis-server` (with `replicaOf`, as a replica of the server on that port; with `password`,
 * requiring it: `url` then carries it as `redis://:PASSWORD@…`).
 */
export const startRedis = async (
  options: { aof?: boolean; replicaOf?: number; password?: string } = {},
): Promise<RedisServer> => {
  const dir = mkdtempSync(join(tmpdir(), "tether-redis-"))
  const port = await freePort()
  const args = [
    "redis-server",
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    ...(options.aof === true ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ...(options.replicaOf === undefined ? [] : ["--replicaof", "127.0.0.1", String(options.replicaOf)]),
    // A replica's first sync starts at once rather than after the default 5 s wait for more replicas.
    "--repl-diskless-sync-delay",
    "0",
    ...(options.password === undefined ? [] : ["--requirepass", options.password]),
  ]
  if (Bun.which("redis-server") === null || Bun.which("redis-cli") === null)
    throw new Error("these tests need redis-server and redis-cli (Debian: apt-get install redis-server)")
  const spawn = () => Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: "ignore" })
  let proc = spawn()
  await waitReady(port, proc, options.password)
  return {
    port,
    url: `redis://${options.password === undefined ? "" : `:${options.password}@`}127.0.0.1:${port}`,
    cli: async (...cliArgs) => {
      const run = Bun.spawn([...cliBase(port, options.password), ...cliArgs], {
        stdout: "pipe",
        stderr: "pipe",
      })
      const out = await new Response(run.stdout).text()
      await run.exited
      return out.trim()
    },
    pause: () => proc.kill("SIGSTOP"),
    resume: () => proc.kill("SIGCONT"),
    restart: async () => {
      proc.kill("SIGCONT")
      proc.kill("SIGTERM")
      await proc.exited
      proc = spawn()
      await waitReady(port, proc, options.password)
    },
    stop: async () => {
      proc.kill("SIGCONT")
      proc.kill("SIGKILL")
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
