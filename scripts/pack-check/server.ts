/**
 * @module
 * Starts the `tether` bin installed from the tarball, as a user's shell would, and stops it.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { Subprocess } from "bun"
import type { Consumer } from "./consumer.ts"

const LISTENING = /tether listening on (http:\/\/\S+)/

export interface RunningServer {
  url: string
  proc: Subprocess<"ignore", "pipe", "pipe">
  /** Everything the server printed so far. */
  output(): string
  /** SIGTERM, then the exit code (SIGKILL and `null` after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>
}

/** Environment that keeps the server away from the user's own config and data. */
export function isolatedEnv(home: string): Record<string, string | undefined> {
  mkdirSync(join(home, "config"), { recursive: true })
  mkdirSync(join(home, "data"), { recursive: true })
  return {
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_DATA_HOME: join(home, "data"),
    TETHER_CONFIG: undefined,
    TETHER_SERVER_PASSWORD: undefined,
  }
}

/**
 * Runs `node_modules/.bin/tether serve --port 0` in the consumer and waits for its
 * `tether listening on URL` line.
 */
export async function startServer(
  consumer: Consumer,
  home: string,
  timeoutMs = 30_000,
): Promise<RunningServer> {
  const bin = join(consumer.dir, "node_modules/.bin/tether")
  const proc = Bun.spawn(
    [bin, "serve", "--port", "0", "--hostname", "127.0.0.1", "--data-dir", join(home, "data")],
    {
      cwd: consumer.dir,
      env: { ...process.env, ...isolatedEnv(home) },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  )
  let output = ""
  let resolveUrl: (url: string) => void = () => {}
  const urlSeen = new Promise<string>((resolve) => {
    resolveUrl = resolve
  })
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true })
      const match = LISTENING.exec(output)
      if (match?.[1]) resolveUrl(match[1])
    }
  }
  void pump(proc.stdout)
  void pump(proc.stderr)
  const stop = async (graceMs = 10_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode
    proc.kill("SIGTERM")
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs)
    await proc.exited
    clearTimeout(timer)
    return proc.signalCode === "SIGKILL" ? null : proc.exitCode
  }
  let timer: Timer | undefined
  const outcome = await Promise.race([
    urlSeen.then((url) => ({ url })),
    proc.exited.then((code) => ({ exited: code })),
    new Promise<{ timeout: true }>((resolve) => {
      timer = setTimeout(() => resolve({ timeout: true }), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  if ("url" in outcome) return { url: outcome.url.replace(/\/$/, ""), proc, output: () => output, stop }
  await stop(2_000)
  const why =
    "exited" in outcome
      ? `exited ${outcome.exited}`
      : `printed no "tether listening on" line in ${timeoutMs} ms`
  throw new Error(`\`tether serve --port 0\` ${why}:\n${output.trim() || "(no output)"}`)
}

/** GETs a JSON endpoint and returns status and body. */
export async function getJson(url: string): Promise<{ status: number; body: unknown; type: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  const type = response.headers.get("content-type") ?? ""
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: response.status, body, type }
}
