/**
 * The several-instances row: a `redis-server` (no persistence) and two `tether serve --event-log redis`
 * processes on it, all pinned to the servers' core, so the row is measured on the same CPU budget as the
 * single-process rows and its server CPU is the sum of the three.
 *
 * @module
 */
import { createServer } from "node:net"
import { pinnedCommand, type RunningServer, startServer, track } from "../process/spawn-server.ts"
import { REPO_ROOT, tetherCommand, writeTetherBenchConfig } from "./registry.ts"

/** The processes of the row, for the generator: where to connect and whose CPU to count. */
export interface RedisPair {
  readonly urls: readonly string[]
  readonly pids: readonly number[]
  output(): string
  stop(): Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

const waitForPing = async (port: number, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (
      Bun.spawnSync(["redis-cli", "-p", String(port), "ping"])
        .stdout.toString()
        .trim() === "PONG"
    )
      return
    await Bun.sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`)
}

/**
 * Starts Redis and `instances` Tether processes on it, pinned to `cpu`.
 *
 * @example
 * ```ts
 * const pair = await startRedisPair({ heartbeatMs: 1000, cpu: "0" })
 * await pair.stop()
 * ```
 */
export const startRedisPair = async (options: {
  heartbeatMs: number
  cpu: string | null
  instances?: number
}): Promise<RedisPair> => {
  if (Bun.which("redis-server") === null)
    throw new Error("redis-server is not installed (apt-get install redis-server)")
  const port = await freePort()
  const files = writeTetherBenchConfig(options.heartbeatMs)
  const redis = Bun.spawn(
    pinnedCommand(
      ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      options.cpu,
    ),
    { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  )
  track(redis)
  const tethers: RunningServer[] = []
  const stop = async () => {
    await Promise.all(tethers.map((tether) => tether.stop()))
    redis.kill("SIGKILL")
    await redis.exited
  }
  try {
    await waitForPing(port, 10_000)
    const redisUrl = `redis://127.0.0.1:${port}`
    for (let i = 0; i < (options.instances ?? 2); i++) {
      // Each instance its own data dir (unused by the Redis log) and the same config.
      const command = tetherCommand({
        heartbeatMs: options.heartbeatMs,
        redisUrl,
        configPath: files.configPath,
        dataDir: `${files.dataDir}-${i}`,
      })
      tethers.push(
        await startServer([process.execPath, ...command.slice(1)], { cpu: options.cpu, cwd: REPO_ROOT }),
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    urls: tethers.map((tether) => tether.url),
    pids: [...tethers.map((tether) => tether.pid), redis.pid],
    output: () => tethers.map((tether) => tether.output()).join("\n"),
    stop,
  }
}
