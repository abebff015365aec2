import { describe, expect, test } from "bun:test"
import { compareSequenceIds } from "../event/sequence-id.ts"
import { Connection, type ConnectionHost } from "./connection.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array | undefined) => new TextDecoder().decode(chunk)

const make = (limit = 1 << 20) => {
  const released: Connection[] = []
  const warnings: string[] = []
  const host: ConnectionHost = {
    maxBufferedBytes: () => limit,
    release: (connection) => released.push(connection),
    warn: (message) => warnings.push(message),
  }
  const connection = new Connection(host)
  return { connection, reader: connection.stream.getReader(), released, warnings }
}

describe("Connection", () => {
  test("a client that keeps up gets each frame written at once, nothing left pending", async () => {
    const { connection, reader } = make()
    const pending = reader.read()
    await Bun.sleep(0)
    const frame = bytes("data: 1\n\n")
    connection.send(frame)
    expect(connection.unsentBytes).toBe(0)
    expect(text((await pending).value)).toBe("data: 1\n\n")
  })

  test("a client that is behind gets everything pending as one write at its next read", async () => {
    const { connection, reader } = make()
    connection.send(bytes("data: 1\n\n"))
    connection.send(bytes("data: 2\n\n"))
    connection.send(bytes("data: 3\n\n"))
    expect(connection.unsentBytes).toBe(27)
    const { value } = await reader.read()
    expect(text(value)).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n")
    expect(connection.unsentBytes).toBe(0)
  })

  test("past max_buffered_bytes the connection is dropped, logged, released and its backlog freed", async () => {
    const { connection, reader, released, warnings } = make(100)
    connection.send(bytes("x".repeat(60)))
    expect(connection.closedBy).toBeNull()
    connection.send(bytes("x".repeat(60)))
    expect(connection.closedBy).toBe("slow")
    expect(connection.unsentBytes).toBe(0)
    expect(released).toEqual([connection])
    expect(warnings[0]).toContain("120 unsent bytes passed server.event_stream.max_buffered_bytes (100)")
    // The body errors (Bun then resets the socket), with no reason for Bun to print.
    const outcome = await reader.read().then(
      () => "read",
      (reason: unknown) => ({ rejected: reason }),
    )
    expect(outcome).toEqual({ rejected: undefined })
    connection.send(bytes("later"))
    expect(released).toHaveLength(1)
  })

  test("live events held during a replay are deduplicated against it and sent after it, in order", async () => {
    const { connection, reader } = make()
    connection.hold()
    const frame = (id: string) => bytes(`id: ${id}\n\n`)
    connection.deliver("0000000000000002", frame("0000000000000002"))
    connection.deliver("0000000000000003", frame("0000000000000003"))
    connection.replayed("0000000000000001", frame("0000000000000001"))
    connection.replayed("0000000000000002", frame("0000000000000002"))
    connection.settle("0000000000000002", compareSequenceIds, true)
    expect(connection.holding).toBe(false)
    connection.deliver("0000000000000004", frame("0000000000000004"))
    const { value } = await reader.read()
    expect(text(value)).toBe(
      "id: 0000000000000001\n\nid: 0000000000000002\n\nid: 0000000000000003\n\nid: 0000000000000004\n\n",
    )
    expect(connection.lastId).toBe("0000000000000004")
  })

  test("a cancelled body (client gone) releases the connection once", async () => {
    const { connection, reader, released } = make()
    await reader.cancel()
    expect(connection.closedBy).toBe("client")
    connection.end("shutdown")
    expect(released).toEqual([connection])
  })

  for (const reason of ["shutdown", "resume"] as const) {
    test(`${reason} flushes what is pending, then ends the body normally`, async () => {
      const { connection, reader } = make()
      connection.send(bytes("data: last\n\n"))
      connection.end(reason)
      expect(connection.closedBy).toBe(reason)
      expect(text((await reader.read()).value)).toBe("data: last\n\n")
      expect((await reader.read()).done).toBe(true)
    })
  }
})

test("heartbeats wait until the stream has started (nothing between retry: and server.connected)", async () => {
  const released: Connection[] = []
  const connection = new Connection({
    maxBufferedBytes: () => 1 << 20,
    release: (c) => released.push(c),
    warn: () => {},
  })
  const reader = connection.stream.getReader()
  connection.send(new TextEncoder().encode("retry: 500\n\n"))
  connection.beat(new TextEncoder().encode("data: beat\n\n"))
  connection.send(new TextEncoder().encode("data: connected\n\n"))
  connection.started = true
  connection.beat(new TextEncoder().encode("data: beat\n\n"))
  expect(new TextDecoder().decode((await reader.read()).value)).toBe(
    "retry: 500\n\ndata: connected\n\ndata: beat\n\n",
  )
})

test("a body closed under it ends the connection instead of throwing into the fan-out", async () => {
  const released: Connection[] = []
  const connection = new Connection({
    maxBufferedBytes: () => 1 << 20,
    release: (c) => released.push(c),
    warn: () => {},
  })
  const reader = connection.stream.getReader()
  const read = reader.read()
  await Bun.sleep(0)
  // Simulate the runtime closing the controller behind the connection's back.
  ;(connection as unknown as { controller: ReadableStreamDirectController }).controller.close()
  await read
  expect(() => connection.send(new Uint8Array(1))).not.toThrow()
  expect(connection.closedBy).toBe("error")
  expect(released).toEqual([connection])
})
