/**
 * A small HTTP/1.1 response decoder for the load generator's raw sockets: status line and headers,
 * then the body as it arrives, de-chunked when `Transfer-Encoding: chunked`.
 *
 * Why raw sockets and not `fetch`: ten thousand `fetch` streams cost the generator far more memory and
 * CPU than the servers it measures, and the generator must not be the bottleneck.
 *
 * @module
 */

/** Status and lower-cased header names of a response. */
export interface ResponseHead {
  readonly status: number
  readonly headers: ReadonlyMap<string, string>
}

enum State {
  Head = 0,
  ChunkSize = 1,
  ChunkData = 2,
  ChunkDataEnd = 3,
  Raw = 4,
  Done = 5,
}

const LF = 10
const HEAD_END = Buffer.from("\r\n\r\n")
/** A response head larger than this is not a server we understand; refuse rather than grow forever. */
const MAX_HEAD_BYTES = 64 * 1024

/**
 * Feed it socket bytes in any chunking; it calls `onHead` once, `onBody` with each body piece
 * (views into the given buffers, valid during the call only) and `onEnd` when a chunked body ends.
 *
 * @example
 * ```ts
 * const decoder = new HttpResponseDecoder({ onHead: (h) => h.status, onBody: (b) => b.length, onEnd: () => {} })
 * decoder.push(Buffer.from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
 * ```
 */
export class HttpResponseDecoder {
  #state: State = State.Head
  #head: Buffer | null = null
  #remaining = 0
  #sizeLine = ""

  constructor(
    private readonly handlers: {
      readonly onHead: (head: ResponseHead) => void
      readonly onBody: (piece: Buffer) => void
      readonly onEnd: () => void
    },
  ) {}

  /** Whether the body has ended (a final zero-size chunk was read). */
  get done(): boolean {
    return this.#state === State.Done
  }

  push(input: Buffer): void {
    let buf = input
    let at = 0
    if (this.#state === State.Head) {
      const joined: Buffer = this.#head ? Buffer.concat([this.#head, input]) : input
      const end = joined.indexOf(HEAD_END)
      if (end < 0) {
        if (joined.length > MAX_HEAD_BYTES) throw new Error(`response head over ${MAX_HEAD_BYTES} bytes`)
        this.#head = Buffer.from(joined)
        return
      }
      this.#head = null
      const head = parseHead(joined.toString("latin1", 0, end))
      const chunked = head.headers.get("transfer-encoding")?.toLowerCase().includes("chunked") ?? false
      this.#state = chunked ? State.ChunkSize : State.Raw
      this.handlers.onHead(head)
      buf = joined
      at = end + HEAD_END.length
    }
    while (at < buf.length) {
      switch (this.#state) {
        case State.Raw:
          this.handlers.onBody(buf.subarray(at))
          return
        case State.ChunkSize: {
          const lf = buf.indexOf(LF, at)
          if (lf < 0) {
            this.#sizeLine += buf.toString("latin1", at)
            return
          }
          const line = (this.#sizeLine + buf.toString("latin1", at, lf)).trim()
          this.#sizeLine = ""
          at = lf + 1
          const size = Number.parseInt(line.split(";")[0] ?? "", 16)
          if (!Number.isFinite(size) || size < 0)
            throw new Error(`bad chunk size line ${JSON.stringify(line)}`)
          if (size === 0) {
            this.#state = State.Done
            this.handlers.onEnd()
            return
          }
          this.#remaining = size
          this.#state = State.ChunkData
          break
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, buf.length - at)
          this.handlers.onBody(buf.subarray(at, at + take))
          at += take
          this.#remaining -= take
          if (this.#remaining === 0) this.#state = State.ChunkDataEnd
          break
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data, possibly split across reads.
          if (buf[at] === LF) this.#state = State.ChunkSize
          at++
          break
        }
        default:
          return
      }
    }
  }
}

const parseHead = (text: string): ResponseHead => {
  const lines = text.split("\r\n")
  const statusLine = lines[0] ?? ""
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (!match?.[1]) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(statusLine)}`)
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":")
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return { status: Number(match[1]), headers }
}
