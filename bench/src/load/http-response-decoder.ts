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
const CR = 13
const SPACE = 32
const TAB = 9
const SEMICOLON = 59
const HEAD_END = Buffer.from("\r\n\r\n")
/** A response head larger than this is not a server we understand; refuse rather than grow forever. */
const MAX_HEAD_BYTES = 64 * 1024

/**
 * Feed it socket bytes in any chunking; it calls `onHead` once, `onBody` with each body piece
 * (a range of the given buffer, valid during the call only) and `onEnd` when a chunked body ends.
 *
 * @example
 * ```ts
 * const decoder = new HttpResponseDecoder({ onHead: (h) => h.status, onBody: (b, s, e) => e - s, onEnd: () => {} })
 * decoder.push(Buffer.from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
 * ```
 */
export class HttpResponseDecoder {
  #state: State = State.Head
  #head: Buffer | null = null
  #remaining = 0
  #size = 0
  #sizeDigits = 0
  /** After the hex digits: a `;extension`, spaces or the CR, skipped up to the LF. */
  #sizeExtension = false

  constructor(
    private readonly handlers: {
      readonly onHead: (head: ResponseHead) => void
      /** A body piece: `buf[start, end)`, valid during the call only. */
      readonly onBody: (buf: Buffer, start: number, end: number) => void
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
    // Hot path (a frame per read at 10^5 reads/s): bytes are read in place, never sliced or decoded.
    const length = buf.length
    while (at < length) {
      switch (this.#state) {
        case State.Raw:
          this.handlers.onBody(buf, at, length)
          return
        case State.ChunkSize: {
          const c = buf[at++] as number
          if (c === LF) {
            if (this.#sizeDigits === 0) throw new Error("bad chunk size line: no hex digits")
            if (this.#size === 0) {
              this.#state = State.Done
              this.handlers.onEnd()
              return
            }
            this.#remaining = this.#size
            this.#size = 0
            this.#sizeDigits = 0
            this.#sizeExtension = false
            this.#state = State.ChunkData
          } else if (!this.#sizeExtension) {
            const digit = hexValue(c)
            if (digit >= 0) {
              this.#size = this.#size * 16 + digit
              this.#sizeDigits++
            } else if (c === SEMICOLON || c === CR || c === SPACE || c === TAB) {
              this.#sizeExtension = true
            } else {
              throw new Error(`bad chunk size line: byte ${c} is not a hex digit`)
            }
          }
          break
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, length - at)
          this.handlers.onBody(buf, at, at + take)
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

const hexValue = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
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
