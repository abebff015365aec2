/**
 * A real HTTP/1.1 server on a raw TCP socket (Bun.listen, 127.0.0.1, a free port) that keeps each request's
 * head as the bytes that came over the wire: `Request.headers` would hand them back already decoded, which
 * hides how a header value was encoded. Each request gets the body `respond` returns (SSE text, or another
 * type), then the connection ends (a normal end of stream).
 */
import type { TCPSocketListener } from "bun"

export interface RawRequest {
  /** The request head as received, up to and without the blank line. */
  readonly head: Uint8Array
  /** The request target of the request line, e.g. `/events?x=1`. */
  readonly path: string
  /** The value bytes of a header (name matched case-insensitively), or `undefined` when absent. */
  header(name: string): Uint8Array | undefined
}

export interface RawHttpServer {
  readonly url: string
  readonly requests: RawRequest[]
  stop(): void
}

const HEAD_END = new Uint8Array([13, 10, 13, 10])

const indexOf = (bytes: Uint8Array, needle: Uint8Array): number => {
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

/** A response other than an event stream. */
export interface RawResponse {
  readonly contentType: string
  readonly body: string
}

const parseRequest = (head: Uint8Array): RawRequest => ({
  head,
  path: new TextDecoder("latin1").decode(head).split(" ")[1] ?? "",
  header(name) {
    // Names are ASCII: latin1 maps each byte to one character, so offsets stay byte offsets.
    const text = new TextDecoder("latin1").decode(head)
    let offset = 0
    for (const line of text.split("\r\n")) {
      const colon = line.indexOf(":")
      if (colon > 0 && line.slice(0, colon).toLowerCase() === name.toLowerCase()) {
        let start = offset + colon + 1
        while (head[start] === 32 || head[start] === 9) start++
        return head.slice(start, offset + line.length)
      }
      offset += line.length + 2
    }
    return undefined
  },
})

/** Starts the server; `respond(request, index)` gives the SSE text (or other response) sent to the request (0-based `index`). */
export function startRawHttpServer(
  respond: (request: RawRequest, index: number) => string | RawResponse,
): RawHttpServer {
  const requests: RawRequest[] = []
  const listener: TCPSocketListener<{ received: Uint8Array }> = Bun.listen<{ received: Uint8Array }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { received: new Uint8Array(0) }
      },
      data(socket, chunk) {
        const received = new Uint8Array(socket.data.received.length + chunk.length)
        received.set(socket.data.received)
        received.set(chunk, socket.data.received.length)
        socket.data.received = received
        const end = indexOf(received, HEAD_END)
        if (end === -1) return
        const request = parseRequest(received.slice(0, end))
        requests.push(request)
        const answer = respond(request, requests.length - 1)
        const { contentType, body } =
          typeof answer === "string" ? { contentType: "text/event-stream", body: answer } : answer
        socket.end(
          `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\nCache-Control: no-cache\r\n` +
            `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        )
      },
    },
  })
  return {
    url: `http://127.0.0.1:${listener.port}`,
    requests,
    stop: () => listener.stop(true),
  }
}
