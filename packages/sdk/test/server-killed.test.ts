/**
 * The server is a real process killed with SIGKILL (no goodbye on the socket) and started again on the
 * same port: the subscription notices, backs off, reconnects with Last-Event-ID and gets what follows.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { resolve } from "node:path"
import { createTetherClient, type SubscriptionStatus, type TetherEvent } from "../src/index.ts"
import { waitFor } from "./helpers/sse-server.ts"

const script = resolve(import.meta.dir, "fixtures/sse-server-process.ts")
const children: Bun.Subprocess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL")
})

async function startProcess(port: number, firstId: number): Promise<{ child: Bun.Subprocess; port: number }> {
  const child = Bun.spawn(
    [process.execPath, "--conditions=@tether/source", script, String(port), String(firstId)],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  )
  children.push(child)
  const reader = child.stdout.getReader()
  let text = ""
  while (!text.includes("\n")) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`server process exited before listening: ${text}`)
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const match = /listening (\d+)/.exec(text)
  if (!match) throw new Error(`unexpected output: ${text}`)
  return { child, port: Number(match[1]) }
}

describe("a server process killed with SIGKILL and restarted on the same port", () => {
  test("the subscription resumes from the last durable id", async () => {
    const first = await startProcess(0, 1)
    const url = `http://127.0.0.1:${first.port}`
    const events: TetherEvent[] = []
    const statuses: SubscriptionStatus[] = []
    const subscription = createTetherClient({ baseUrl: url }).global.event.subscribe({
      backoff: { baseMs: 50, capMs: 300, jitter: 0.25 },
      onEvent: (event) => events.push(event),
      onStatus: (status) => statuses.push(status),
    })
    try {
      await waitFor("connected", () => events.length === 1)
      await fetch(`${url}/publish`, { method: "POST" })
      await waitFor("event 1", () => events.some((event) => event.id === "1"))

      first.child.kill("SIGKILL")
      await first.child.exited
      await waitFor("noticed", () => subscription.status().state === "reconnecting")
      await waitFor("retried while down", () => subscription.status().attempt >= 2)

      await startProcess(first.port, 2)
      await waitFor("reconnected", () => subscription.status().state === "open" && events.length >= 3, 5000)
      const seen = (await (await fetch(`${url}/requests`)).json()) as (string | null)[]
      expect(seen).toEqual(["1"])
      await fetch(`${url}/publish`, { method: "POST" })
      await waitFor("event 2", () => events.some((event) => event.id === "2"))
      expect(events.filter((event) => event.id !== "").map((event) => event.id)).toEqual(["1", "2"])
      expect(subscription.status()).toMatchObject({ state: "open", attempt: 0, lastEventId: "2" })
      const failures = statuses.filter((status) => status.state === "reconnecting" && status.nextRetryAt)
      expect(failures.length).toBeGreaterThanOrEqual(2)
    } finally {
      subscription.close()
    }
  })
})
