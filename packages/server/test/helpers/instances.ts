/**
 * Several `tether serve --event-log redis` processes on one Redis, for the several-instances tests.
 */

import { expect } from "bun:test"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type IdSubscriber, sequenceProblems } from "./id-subscriber.ts"
import type { RedisServer } from "./redis-server.ts"
import { type ServerProcess, startServe } from "./server-process.ts"

/** Starts `count` instances sharing `redis`, each on a free port, with an optional config. */
export const startInstances = async (
  redis: RedisServer,
  count: number,
  options: { config?: unknown; args?: readonly string[] } = {},
): Promise<ServerProcess[]> => {
  const args = ["--port", "0", "--event-log", "redis", "--redis-url", redis.url, ...(options.args ?? [])]
  if (options.config !== undefined) {
    const file = join(mkdtempSync(join(tmpdir(), "tether-instances-")), "tether.json")
    writeFileSync(file, JSON.stringify(options.config))
    args.push("--config", file)
  }
  return Promise.all(Array.from({ length: count }, () => startServe(args)))
}

/** `POST /global/event`; resolves with the status and the id (when 202). */
export const publish = async (
  baseUrl: string,
  type: string,
  properties: Record<string, unknown> = {},
): Promise<{ status: number; id: string | null; body: string }> => {
  const response = await fetch(`${baseUrl}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type, properties }),
  })
  const body = await response.text()
  const id = response.status === 202 ? (JSON.parse(body) as { id: string }).id : null
  return { status: response.status, id, body }
}

/** A Redis log id (`<generation>-<seq>`, the sequence zero-padded to 16 digits). */
export const redisId = (generation: string, seq: number): string =>
  `${generation}-${String(seq).padStart(16, "0")}`

/** The sequence number of a Redis log id (`<generation>-<seq>`). */
export const seqOf = (id: string): number => Number(id.slice(id.lastIndexOf("-") + 1))

/** Waits until `GET /global/health/ready` answers `status` (0: no answer within 5 s); rejects after `timeoutMs`. */
export const waitReady = async (url: string, status: number, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const answered = await fetch(`${url}/global/health/ready`, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.status,
      () => 0,
    )
    if (answered === status) return
    if (Date.now() > deadline) throw new Error(`readiness of ${url} answered ${answered}, never ${status}`)
    await Bun.sleep(100)
  }
}

/**
 * Each subscriber received exactly `acked` (in publish order) from the first of them on: no gap, no
 * duplicate, no resync.
 */
export const expectEveryAcked = (subscribers: readonly IdSubscriber[], acked: readonly string[]): void => {
  const first = seqOf(acked[0] as string)
  for (const subscriber of subscribers) {
    expect(sequenceProblems(subscriber.ids)).toEqual([])
    expect(subscriber.resyncs).toBe(0)
    expect(subscriber.ids.filter((id) => seqOf(id) >= first)).toEqual([...acked])
  }
}
