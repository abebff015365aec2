/**
 * Real local HTTP servers for the stream tests: Bun.serve on 127.0.0.1, a free port, no idle timeout.
 */
import type { Server } from "bun"

export interface SeenRequest {
  readonly url: string
  readonly method: string
  readonly headers: Headers
  readonly at: number
}

/** One open SSE response the test can write to or end. */
export interface SseConnection {
  readonly request: SeenRequest
  write(text: string | Uint8Array): void
  /** Ends the response normally. */
  end(): void
  readonly closed: boolean
}

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly requests: SeenRequest[]
  readonly connections: SseConnection[]
  /** Stops the server, cutting every open connection. */
  stop(): Promise<void>
  /** Starts it again on the same port. */
  restart(): Promise<void>
}

type Handler = (
  request: Request,
  seen: SeenRequest,
  open: (prelude?: string) => Response,
) => Response | Promise<Response>

const encoder = new TextEncoder()

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
}

/** Starts a server whose `handler` answers each request; `open()` gives an SSE response the test drives. */
export async function startServer(handler: Handler, port = 0): Promise<TestServer> {
  const requests: SeenRequest[] = []
  const connections: SseConnection[] = []

  const fetch = (request: Request) => {
    const seen: SeenRequest = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      at: Date.now(),
    }
    requests.push(seen)
    const open = (prelude?: string) => {
      let controller!: ReadableStreamDefaultController<Uint8Array>
      let closed = false
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          controller = c
          if (prelude) c.enqueue(encoder.encode(prelude))
        },
        cancel() {
          closed = true
        },
      })
      connections.push({
        request: seen,
        write(text) {
          if (closed) return
          try {
            controller.enqueue(typeof text === "string" ? encoder.encode(text) : text)
          } catch {
            closed = true
          }
        },
        end() {
          if (closed) return
          closed = true
          try {
            controller.close()
          } catch {}
        },
        get closed() {
          return closed
        },
      })
      return new Response(body, { headers: SSE_HEADERS })
    }
    return handler(request, seen, open)
  }

  let server: Server<undefined> = Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch })
  const boundPort = server.port as number
  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    requests,
    connections,
    async stop() {
      // Forceful, like a killed process: sockets are cut, responses are not ended.
      await server.stop(true)
    },
    async restart() {
      server = Bun.serve({ hostname: "127.0.0.1", port: boundPort, idleTimeout: 0, fetch })
    },
  }
}

/** Polls `predicate` until it holds, or fails after `timeoutMs` with `what` in the message. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await Bun.sleep(5)
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") })
  const port = server.port as number
  await server.stop(true)
  return port
}

/** An SSE frame: optional id line, then the data line. */
export const frame = (data: string, id?: string) =>
  `${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`
