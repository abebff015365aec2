/**
 * A hostile client's requests against a real in-process server on a free port, over raw TCP so that
 * nothing between the test and the server tidies the bytes up: malformed `Host` values and request
 * bodies that never end.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { connect, type Socket } from "node:net"
import { startServer, type TetherServer } from "../src/index.ts"
import { oldestRetained } from "./helpers/sse.ts"

const servers: TetherServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((server) => server.stop()))
})

const start = async () => {
  const server = await startServer({ port: 0, hostname: "127.0.0.1", eventLog: "memory", appDir: null })
  servers.push(server)
  return server
}

/** One raw HTTP exchange: writes `head` (and then whatever `write` sends), resolves with the whole answer. */
const raw = (
  port: number,
  head: string,
  write?: (socket: Socket) => void,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string; text: string }> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    sockets.push(socket)
    let text = ""
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 200))}`))
    }, timeoutMs)
    const finish = () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text)
      const end = text.indexOf("\r\n\r\n")
      if (match === null || end === -1) return false
      const body = text.slice(end + 4)
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))
      if (length !== null && Buffer.byteLength(body) < Number(length[1])) return false
      clearTimeout(timer)
      socket.destroy()
      resolve({ status: Number(match[1]), body, text })
      return true
    }
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8")
      finish()
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      if (!finish()) {
        clearTimeout(timer)
        reject(new Error(`closed without a full answer: ${JSON.stringify(text.slice(0, 200))}`))
      }
    })
    socket.on("connect", () => {
      socket.write(head)
      write?.(socket)
    })
  })

const errorOf = (body: string) => (JSON.parse(body) as { error: { name: string; message: string } }).error

describe("Host", () => {
  test("a Host that is not a valid authority → 403 HostNotAllowed, not a 500", async () => {
    const server = await start()
    for (const host of ["localhost:abc", "a b", "127.0.0.1:99999", "[::1"]) {
      const answer = await raw(
        server.port,
        `GET /global/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      )
      expect({ host, status: answer.status }).toEqual({ host, status: 403 })
      expect(errorOf(answer.body).name).toBe("HostNotAllowed")
    }
    // HTTP/1.0 without a Host: the same refusal, saying what is missing.
    const bare = await raw(server.port, "GET /global/health HTTP/1.0\r\n\r\n")
    expect(bare.status).toBe(403)
    expect(errorOf(bare.body)).toEqual({ name: "HostNotAllowed", message: "The request has no Host header." })
    // The server is unharmed.
    expect((await fetch(`${server.url}/global/health`)).status).toBe(200)
  })
})

describe("Host, twice", () => {
  test("two Host headers → 400 HostNotAllowed, whichever comes first; one Host still passes", async () => {
    const server = await start()
    // RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host. A proxy and the
    // server could otherwise read different ones, and the allow-list would check the harmless one.
    for (const [first, second] of [
      ["localhost:1", "evil.com"],
      ["evil.com", "localhost:1"],
      ["127.0.0.1", "127.0.0.1"],
    ]) {
      const answer = await raw(
        server.port,
        `GET /global/config HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nConnection: close\r\n\r\n`,
      )
      expect({ first, second, status: answer.status }).toEqual({ first, second, status: 400 })
      const error = errorOf(answer.body)
      expect(error.name).toBe("HostNotAllowed")
      expect(error.message).toMatch(/more than one Host/)
    }
    const single = await raw(
      server.port,
      `GET /global/health HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n`,
    )
    expect(single.status).toBe(200)
  })
})

describe("POST /global/event bodies", () => {
  test("a chunked body that never ends is refused once past the limit, not read to its end", async () => {
    const server = await start()
    const chunk = Buffer.alloc(64 * 1024, "a")
    let sent = 0
    let timer: ReturnType<typeof setInterval> | undefined
    const answer = await raw(
      server.port,
      `POST /global/event HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      (socket) => {
        // Keeps sending (about 6 MiB/s, never the final 0-chunk) until the server answers or 30 s pass.
        timer = setInterval(() => {
          if (socket.destroyed || sent > 200 * 1024 * 1024) return clearInterval(timer)
          socket.write(`${chunk.byteLength.toString(16)}\r\n`)
          socket.write(chunk)
          socket.write("\r\n")
          sent += chunk.byteLength
        }, 10)
      },
      20_000,
    ).finally(() => clearInterval(timer))
    expect(answer.status).toBe(400)
    const error = errorOf(answer.body)
    expect(error.name).toBe("EventInvalid")
    expect(error.message).toMatch(/over the limit/)
    // Nothing was stored: the log has no oldest event.
    expect(await oldestRetained(server.url)).toBeNull()
  }, 30_000)

  test("a body that is not UTF-8 → 400, nothing stored", async () => {
    const server = await start()
    const body = Buffer.concat([Buffer.from('{"type":"a'), Buffer.from([0xff]), Buffer.from('"}')])
    const response = await fetch(`${server.url}/global/event`, { method: "POST", body })
    expect(response.status).toBe(400)
    const error = ((await response.json()) as { error: { name: string; message: string } }).error
    expect(error.name).toBe("EventInvalid")
    expect(error.message).toMatch(/UTF-8/)
    const after = await server.publish({ type: "after" })
    expect(await oldestRetained(server.url)).toBe(after.id)
  })
})

describe("bodies cut off", () => {
  test("a client leaving mid-body is no server failure: nothing logged as one, nothing stored", async () => {
    const server = await start()
    const logged: string[] = []
    const original = console.error
    console.error = (...args: unknown[]) => {
      logged.push(args.map(String).join(" "))
    }
    try {
      for (const path of ["/global/event", "/global/config"]) {
        const method = path === "/global/event" ? "POST" : "PATCH"
        await new Promise<void>((resolve) => {
          const socket = connect(server.port, "127.0.0.1", () => {
            socket.write(
              `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"type":`,
            )
            setTimeout(() => socket.destroy(), 100)
          })
          sockets.push(socket)
          socket.on("error", () => {})
          socket.on("close", () => resolve())
        })
      }
      // A failure would be logged as the server handles the aborted body: give it a generous window.
      await Bun.sleep(1500)
    } finally {
      console.error = original
    }
    expect(logged.filter((line) => line.includes("failed"))).toEqual([])
    const after = await server.publish({ type: "after" })
    expect(await oldestRetained(server.url)).toBe(after.id)
  })
})
