/**
 * The SQLite log across process deaths: an acknowledged (202) event survives SIGKILL right after,
 * and a restarted server never reuses or goes back on ids.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { killAll, startServe } from "./helpers/server-process.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-durable-"))
const env = { XDG_CONFIG_HOME: join(dir, "xdg"), TETHER_CONFIG: undefined }
afterAll(async () => {
  await killAll()
  rmSync(dir, { recursive: true, force: true })
})

const publish = async (url: string, n: number): Promise<string> => {
  const response = await fetch(`${url}/global/event`, {
    method: "POST",
    body: JSON.stringify({ type: "test.durable", properties: { n } }),
  })
  expect(response.status).toBe(202)
  return ((await response.json()) as { id: string }).id
}

test("acknowledged events survive SIGKILL; ids keep increasing across SIGKILL and SIGTERM restarts", async () => {
  const dataDir = join(dir, "data")
  const args = ["--port", "0", "--data-dir", dataDir]
  const ids: string[] = []

  let server = await startServe(args, { env })
  for (let n = 0; n < 20; n++) ids.push(await publish(server.url, n))
  // Killed right after the last 202: no chance to flush anything.
  await server.stop("SIGKILL")

  server = await startServe(args, { env })
  const replay = await connectSse(server.url, { lastEventId: ids[0] as string })
  const connected = await replay.next()
  expect(connected?.properties.last_event_id).toBe(ids[19])
  const replayed = (await replay.until((event) => event.id === ids[19])).filter((event) => event.id !== null)
  expect(replayed.map((event) => event.id)).toEqual(ids.slice(1))
  expect(replayed.map((event) => event.properties.n)).toEqual([...Array(19).keys()].map((i) => i + 1))
  replay.close()

  for (let n = 20; n < 25; n++) ids.push(await publish(server.url, n))
  expect(await server.stop("SIGTERM")).toBe(0)

  server = await startServe(args, { env })
  for (let n = 25; n < 30; n++) ids.push(await publish(server.url, n))
  expect(new Set(ids).size).toBe(30)
  expect([...ids].sort()).toEqual(ids)
  const all = await connectSse(server.url, { lastEventId: ids[0] as string })
  const events = (await all.until((event) => event.id === ids[29])).filter((event) => event.id !== null)
  expect(events.map((event) => event.id)).toEqual(ids.slice(1))
  all.close()
  expect(await server.stop("SIGTERM")).toBe(0)
}, 60_000)
