/**
 * Splits an SSE body into frames and pulls out only what the benchmark needs: the publisher's
 * `"seq"` and `"sent"` numbers, and whether a frame is a `server.connected` or `server.heartbeat`.
 *
 * Deliberately not a full SSE parser (that is what the client-side parser benchmark measures):
 * every server benchmarked here ends frames with LF LF, and the generator must stay cheap enough to
 * read a few hundred thousand frames per second on one core.
 *
 * @module
 */

/** What one frame held. `seq` and `sent` are -1 in frames that are not benchmark events. */
export interface FrameInfo {
  seq: number
  /** The publisher's send time in integer microseconds of its `performance.now()`. */
  sent: number
  kind: "event" | "connected" | "heartbeat" | "other"
}

const FRAME_END = Buffer.from("\n\n")
const SEQ = Buffer.from('"seq":')
const SENT = Buffer.from('"sent":')
const CONNECTED = Buffer.from('"server.connected"')
const HEARTBEAT = Buffer.from('"server.heartbeat"')

/** Parse the unsigned decimal integer at `at`; -1 if there is none. */
const readUint = (buf: Buffer, at: number, end: number): number => {
  let value = 0
  let digits = 0
  for (let i = at; i < end; i++) {
    const c = buf[i] as number
    if (c < 48 || c > 57) break
    value = value * 10 + (c - 48)
    digits++
  }
  return digits === 0 ? -1 : value
}

const within = (buf: Buffer, needle: Buffer, start: number, end: number): number => {
  const at = buf.indexOf(needle, start)
  return at >= 0 && at + needle.length <= end ? at : -1
}

/**
 * Feed body pieces; `onFrame` gets one reused `FrameInfo` per complete frame (read it during the call).
 *
 * @example
 * ```ts
 * const scanner = new FrameScanner((f) => console.log(f.kind, f.seq))
 * scanner.push(Buffer.from('id: 1\ndata: {"properties":{"seq":1,"sent":5}}\n\n'))
 * ```
 */
export class FrameScanner {
  #pending: Buffer | null = null
  readonly #info: FrameInfo = { seq: -1, sent: -1, kind: "other" }

  constructor(private readonly onFrame: (frame: FrameInfo) => void) {}

  /** Scan `piece[start, end)` (default: all of it). */
  push(piece: Buffer, start = 0, end = piece.length): void {
    let buf = piece
    let at = start
    let stop = end
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, piece.subarray(start, end)])
      this.#pending = null
      at = 0
      stop = buf.length
    }
    for (;;) {
      const frameEnd = buf.indexOf(FRAME_END, at)
      if (frameEnd < 0 || frameEnd + 2 > stop) break
      this.#frame(buf, at, frameEnd)
      at = frameEnd + 2
    }
    // Copy: the socket may reuse its read buffer after this call.
    if (at < stop) this.#pending = Buffer.from(buf.subarray(at, stop))
  }

  #frame(buf: Buffer, start: number, end: number): void {
    const info = this.#info
    info.seq = -1
    info.sent = -1
    const seqAt = within(buf, SEQ, start, end)
    if (seqAt >= 0) {
      info.kind = "event"
      info.seq = readUint(buf, seqAt + SEQ.length, end)
      const sentAt = within(buf, SENT, seqAt, end)
      if (sentAt >= 0) info.sent = readUint(buf, sentAt + SENT.length, end)
    } else if (within(buf, HEARTBEAT, start, end) >= 0) {
      info.kind = "heartbeat"
    } else if (within(buf, CONNECTED, start, end) >= 0) {
      info.kind = "connected"
    } else {
      info.kind = "other"
    }
    this.onFrame(info)
  }
}
