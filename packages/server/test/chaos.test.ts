/**
 * Chaos: a server process on one data dir and port, many SDK subscribers (`@tether/sdk`), a publisher sending a
 * few thousand events while the server is stopped with SIGTERM and killed with SIGKILL several times
 * and restarted. At the end every subscriber holds exactly the acknowledged events, in order, once
 * (plus any event whose publish was cut off mid-request and is therefore in doubt: stored or not,
 * every subscriber must agree with the log about it).
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createTetherClient, type TetherEvent } from "@tether/sdk"
import { killAll, type ServerProcess, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-chaos-"))
const env = { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: undefined }
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

/** An SDK subscription that records the durable events it receives. */
const subscribe = (baseUrl: string) => {
  const events: TetherEvent[] = []
  let resyncs = 0
  let connects = 0
  const subscription = createTetherClient({ baseUrl }).global.event.subscribe({
    onEvent: (event) => {
      if (event.type === "server.connected") connects++
      if (event.type === "server.resync") resyncs++
      if (event.id !== "") events.push(event)
    },
    // Short delays keep the test quick; the herd is still spread by the jitter.
    backoff: { baseMs: 100, capMs: 1000, jitter: 0.5 },
    onError: (error) => {
      throw error
    },
  })
  return {
    events,
    resyncs: () => resyncs,
    connects: () => connects,
    lastId: () => subscription.status().lastEventId ?? null,
    /** Resolves once an event with `id` (or later: ids are zero-padded sequences here) was received. */
    waitFor: async (id: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs
      while ((events.at(-1)?.id ?? "") < id) {
        if (Date.now() > deadline) throw new Error(`subscriber stuck at ${events.at(-1)?.id}, expected ${id}`)
        await Bun.sleep(20)
      }
    },
    close: () => subscription.close(),
  }
}

const SUBSCRIBERS = 25
const EVENTS = 3000
const OUTAGES: NodeJS.Signals[] = ["SIGTERM", "SIGKILL", "SIGKILL", "SIGTERM", "SIGKILL", "SIGKILL"]

test("every subscriber ends with exactly the acknowledged events, in order, once, across SIGTERM/SIGKILL restarts", async () => {
  const dataDir = join(dir, "data")
  let server: ServerProcess = await startServe(["--port", "0", "--data-dir", dataDir], { env })
  const port = server.port
  const url = server.url
  const restart = async () => {
    // The old port may take a moment to be free again after a kill.
    for (let attempt = 0; ; attempt++) {
      try {
        server = await startServe(["--port", String(port), "--data-dir", dataDir], { env })
        return
      } catch (error) {
        if (attempt >= 20) throw error
        await Bun.sleep(100)
      }
    }
  }

  const subscribers = Array.from({ length: SUBSCRIBERS }, () => subscribe(url))
  // Everyone is subscribed before the first publish (a first connect has no id to resume from).
  const connectDeadline = Date.now() + 20_000
  while (subscribers.some((subscriber) => subscriber.connects() === 0)) {
    if (Date.now() > connectDeadline) throw new Error("subscribers did not connect")
    await Bun.sleep(20)
  }
  const acknowledged = new Map<number, string>()
  const inDoubt = new Set<number>()
  let refused = 0
  let publishing = true
  const publisher = (async () => {
    for (let n = 0; n < EVENTS && publishing; n++) {
      try {
        const response = await fetch(`${url}/global/event`, {
          method: "POST",
          body: JSON.stringify({ type: "chaos.tick", properties: { n } }),
        })
        if (response.status === 202) acknowledged.set(n, ((await response.json()) as { id: string }).id)
        else {
          // A server shutting down may refuse (503): not acknowledged, possibly never stored.
          inDoubt.add(n)
          await response.body?.cancel()
        }
      } catch (error) {
        // Refused connections store nothing; a request cut off mid-way may or may not have been stored.
        if (/refused/i.test(`${(error as { code?: string }).code ?? ""} ${String(error)}`)) refused++
        inDoubt.add(n)
        await Bun.sleep(10)
      }
      if (n % 10 === 0) await Bun.sleep(1)
    }
  })()

  for (const signal of OUTAGES) {
    await Bun.sleep(500 + Math.random() * 700)
    const code = await server.stop(signal)
    if (signal === "SIGTERM") expect(code).toBe(0)
    await Bun.sleep(Math.random() * 200)
    await restart()
  }
  await publisher
  publishing = false

  // The log's newest id, from a fresh connection, is where everyone must end.
  const probe = await connectSse(url)
  const newest = (await probe.next())?.properties.last_event_id as string
  probe.close()
  await Promise.all(subscribers.map((subscriber) => subscriber.waitFor(newest, 60_000)))
  for (const subscriber of subscribers) subscriber.close()

  const ackedIds = new Set(acknowledged.values())
  const reference = subscribers[0]?.events.map((event) => event.id) ?? []
  let received = 0
  for (const subscriber of subscribers) {
    const ids = subscriber.events.map((event) => event.id)
    received += ids.length
    // Once each, in order.
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    // Everyone saw the same events, and never needed a resync (nothing was trimmed).
    expect(ids).toEqual(reference)
    expect(subscriber.resyncs()).toBe(0)
    expect(subscriber.lastId()).toBe(newest)
    // Every acknowledged event, with the payload it was acknowledged for.
    const byId = new Map(subscriber.events.map((event) => [event.id, (event.properties as { n?: number }).n]))
    for (const [n, id] of acknowledged) expect(byId.get(id)).toBe(n)
    // Nothing else but publishes that were cut off mid-request.
    for (const event of subscriber.events) {
      if (!ackedIds.has(event.id)) expect(inDoubt.has((event.properties as { n: number }).n)).toBe(true)
    }
  }
  const extra = reference.length - acknowledged.size
  const connects = subscribers.reduce((sum, subscriber) => sum + subscriber.connects(), 0)
  console.log(
    `chaos: ${OUTAGES.length} outages (${OUTAGES.join(", ")}); ${acknowledged.size} acknowledged, ${inDoubt.size} not acknowledged (${refused} refused), ` +
      `${extra} of those stored anyway; ${SUBSCRIBERS} subscribers each hold ${reference.length} events ` +
      `(${received} deliveries, ${connects} connects); newest id ${newest}`,
  )
  expect(acknowledged.size).toBeGreaterThan(EVENTS / 2)
  expect(reference.length).toBeGreaterThanOrEqual(acknowledged.size)
  expect(await server.stop("SIGTERM")).toBe(0)
}, 120_000)
