/**
 * A client keeps its last id across the server's restarts. When the log behind the restarted server
 * is a new one (the memory log after any restart, or a wiped data dir), the old id must not pass for a
 * position in the new log, even once the new log holds more events than the old one did: it gets
 * `server.resync`, never a replay that silently skips the new log's first events.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startServer, type TetherServer } from "../src/index.ts"
import { connectSse } from "./helpers/sse.ts"

const dir = mkdtempSync(join(tmpdir(), "tether-log-identity-"))
const servers: TetherServer[] = []
afterAll(async () => {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

const publishAll = async (server: TetherServer, count: number) => {
  const ids: string[] = []
  for (let n = 0; n < count; n++) ids.push((await server.publish({ type: "test.n", properties: { n } })).id)
  return ids
}

for (const eventLog of ["memory", "sqlite"] as const) {
  test(`${eventLog}: an id from the log before a restart on a new log resyncs, however many events the new one has`, async () => {
    const options = { port: 0, hostname: "127.0.0.1", eventLog, appDir: null } as const
    const first = await startServer({ ...options, dataDir: join(dir, `${eventLog}-1`) })
    servers.push(first)
    const old = await publishAll(first, 3)
    await first.stop()

    // The same port, a new log (memory: any restart; sqlite: an empty data dir), more events than before.
    const second = await startServer({ ...options, port: first.port, dataDir: join(dir, `${eventLog}-2`) })
    servers.push(second)
    const fresh = await publishAll(second, 5)
    // Each log's own ids increase; the new log's all come after the old one's.
    expect([...old, ...fresh]).toEqual([...old, ...fresh].sort())

    const stream = await connectSse(second.url, { lastEventId: old.at(-1) as string })
    try {
      expect((await stream.next())?.type).toBe("server.connected")
      const next = await stream.next()
      expect(next?.type).toBe("server.resync")
      expect(next?.properties).toEqual({ requested: old.at(-1), oldest: fresh[0] })
    } finally {
      stream.close()
    }
  })
}

for (const eventLog of ["memory", "sqlite"] as const) {
  test(`${eventLog}: a client that connected to an empty log resumes after its announced position, missing nothing`, async () => {
    const server = await startServer({
      port: 0,
      hostname: "127.0.0.1",
      eventLog,
      appDir: null,
      dataDir: join(dir, `${eventLog}-empty`),
    })
    servers.push(server)
    const first = await connectSse(server.url)
    const position = (await first.next())?.properties.last_event_id
    first.close()
    // Not null: there is a position before the first event, and it is a valid resume point.
    expect(position).toMatch(/^\d{16}$/)
    // Published while that client was away.
    const missed = await publishAll(server, 3)
    const back = await connectSse(server.url, { lastEventId: position as string })
    try {
      expect((await back.next())?.type).toBe("server.connected")
      const replayed = [await back.next(), await back.next(), await back.next()]
      expect(replayed.map((event) => [event?.type, event?.id])).toEqual(missed.map((id) => ["test.n", id]))
    } finally {
      back.close()
    }
  })
}
