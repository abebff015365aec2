/**
 * One open `GET /global/event` response: the bytes waiting for that client, its slow-client bound,
 * and the hold of live events while its replay is read.
 *
 * This is the per-event, per-connection hot path, so it is plain JavaScript with no Effect in it:
 * a fan-out to 10 000 connections calls `deliver` 10 000 times per event, and an Effect run per call
 * (fiber, scheduler, allocation) would cost more than the write itself (the "effect-stream" rows of
 * docs/BENCHMARKS.md measure an Effect stream per connection against this design). Effect owns
 * the lifecycle around it instead: the server scope closes every connection, the heartbeat is one
 * scheduled fiber for all of them.
 *
 * Writes: the response body is a Bun "direct" `ReadableStream`: its one `pull` hands over a controller
 * whose `write` goes straight to Bun's socket sink (coalesced into one socket write per turn) and
 * answers with a promise when the socket cannot take more. A connection that keeps up writes each
 * event at once. A connection that is behind (a write is waiting on that promise) collects its frames
 * (shared `Uint8Array`s, never copied per connection until then) in `pending`, and writes them as one
 * chunk when the socket drains. `pending` is the unsent backlog; past `max_buffered_bytes` the
 * connection is dropped and its memory freed at once.
 *
 * Why a direct stream: a dropped client must lose its socket, not only its response body. Bun keeps
 * the socket of an errored default `ReadableStream` open for as long as unsent bytes sit in a full
 * receive window (issue 17: still open 21 s later, pinning an fd and kernel memory, and an
 * `EventSource` never learned it was dropped). Rejecting a direct stream's `pull` promise makes Bun
 * reset the connection at once, whatever is queued.
 *
 * @module
 */

/** What a connection needs from its owner. */
export interface ConnectionHost {
  /** The current `server.event_stream.max_buffered_bytes` (read at every check: it may change live). */
  readonly maxBufferedBytes: () => number
  /** Called once when the connection ends for any reason: the owner forgets it. */
  readonly release: (connection: Connection) => void
  /** Logs a slow-client drop. */
  readonly warn: (message: string) => void
}

interface Held {
  readonly id: string
  readonly frame: Uint8Array
}

/**
 * Why a connection ended: the client went away, it was too slow, the server is stopping, the server
 * ended it so that the client resumes from its last id (the log lost its place: a new Redis generation,
 * events trimmed before this instance read them), or an error.
 */
export type CloseReason = "client" | "slow" | "shutdown" | "resume" | "error"

// Reasons that end the body normally, after what is pending: the client reconnects with its last id.
const endsNormally = (reason: CloseReason) => reason === "shutdown" || reason === "resume"

/**
 * One event-stream response.
 *
 * @example
 * ```ts
 * import { Connection } from "./connection.ts"
 * const connection = new Connection({ maxBufferedBytes: () => 1 << 20, release: () => {}, warn: console.warn })
 * connection.send(new TextEncoder().encode("retry: 500\n\n"))
 * const response = new Response(connection.stream, { headers: { "Content-Type": "text/event-stream" } })
 * ```
 */
export class Connection {
  /** The response body. */
  readonly stream: ReadableStream<Uint8Array>
  /** Set once the connection has ended; every later call is a no-op. */
  closedBy: CloseReason | null = null
  /** The last durable id sent (or replayed) to this client. */
  lastId: string | null = null
  /**
   * Set once `server.connected` is sent: heartbeats go only to started streams, so nothing can come
   * between `retry:` and `server.connected`, the two frames every stream begins with.
   */
  started = false
  /**
   * Settles once the first frames are queued (`null`), or with the error that kept the event log from
   * starting this stream, before any frame (the connection has then ended: answer 503, not a stream).
   */
  opened: Promise<Error | null> = Promise.resolve(null)

  private readonly host: ConnectionHost
  // Set by the stream's one `pull`, when Bun starts sending the body.
  private controller: ReadableStreamDirectController | null = null
  // Settle the promise `pull` returned: resolve ends the body normally, reject resets the socket.
  private finish: (() => void) | null = null
  private abort: ((reason?: unknown) => void) | null = null
  // A write is waiting for the socket to drain: frames collect in `pending` meanwhile.
  private blocked = false
  // Frames not yet handed to the socket, and their size. Allocated only when the client falls behind.
  private pending: Uint8Array[] | null = null
  private pendingBytes = 0
  // While the replay is read, live durable events wait here (subscribe first, read, then deduplicate).
  private held: Held[] | null = null
  private heldBytes = 0
  private drainWaiters: (() => void)[] | null = null

  constructor(host: ConnectionHost) {
    this.host = host
    const source: Bun.DirectUnderlyingSource<Uint8Array> = {
      type: "direct",
      pull: (controller) => this.onPull(controller),
      cancel: () => this.end("client"),
    }
    // The DOM lib's `ReadableStream` constructor (in this package's types) does not know Bun's direct sources.
    this.stream = new ReadableStream<Uint8Array>(source as unknown as UnderlyingDefaultSource<Uint8Array>)
  }

  /** Unsent bytes: what the client has not taken yet, held replay events included. */
  get unsentBytes(): number {
    return this.pendingBytes + this.heldBytes
  }

  /** Whether live durable events are being held for a replay in progress. */
  get holding(): boolean {
    return this.held !== null
  }

  /** Whether the socket takes a write now: the body has started and no write waits for a drain. */
  get writable(): boolean {
    return this.controller !== null && !this.blocked && this.closedBy === null
  }

  /** Writes one frame (ephemeral, or durable outside the live path), in order. */
  send(frame: Uint8Array): void {
    if (this.closedBy !== null) return
    if (this.controller !== null && !this.blocked) {
      this.write(frame)
      return
    }
    if (this.pending === null) this.pending = [frame]
    else this.pending.push(frame)
    this.pendingBytes += frame.byteLength
    this.checkBound()
  }

  /** A heartbeat (or another ephemeral frame for every stream): skipped until the stream has started. */
  beat(frame: Uint8Array): void {
    if (this.started) this.send(frame)
  }

  /** A live durable event from the fan-out: sent now, or held while a replay is read. */
  deliver(id: string, frame: Uint8Array): void {
    if (this.closedBy !== null) return
    if (this.held !== null) {
      this.held.push({ id, frame })
      this.heldBytes += frame.byteLength
      this.checkBound()
      return
    }
    this.lastId = id
    this.send(frame)
  }

  /** Starts holding live durable events (before the replay is read). */
  hold(): void {
    if (this.held === null) this.held = []
  }

  /** A replayed durable event. */
  replayed(id: string, frame: Uint8Array): void {
    this.lastId = id
    this.send(frame)
  }

  /**
   * Drops held events the replay already covered (`id <= through`), and when `release` is set, sends
   * the rest in order and goes live.
   */
  settle(through: string | null, compare: (a: string, b: string) => number, release: boolean): void {
    const held = this.held
    if (held === null || this.closedBy !== null) return
    let keep = 0
    if (through !== null) {
      while (keep < held.length && compare((held[keep] as Held).id, through) <= 0) keep++
    }
    const rest = keep === 0 ? held : held.slice(keep)
    if (!release) {
      this.held = rest
      this.heldBytes = rest.reduce((sum, h) => sum + h.frame.byteLength, 0)
      return
    }
    this.held = null
    this.heldBytes = 0
    for (const h of rest) {
      this.lastId = h.id
      this.send(h.frame)
    }
  }

  /**
   * Resolves once the socket takes more: nothing pending and no write waiting for a drain (used to
   * pace a replay), or the connection has ended.
   */
  drained(): Promise<void> {
    if (this.closedBy !== null || (this.pendingBytes === 0 && this.writable)) return Promise.resolve()
    return new Promise((resolve) => {
      if (this.drainWaiters === null) this.drainWaiters = [resolve]
      else this.drainWaiters.push(resolve)
    })
  }

  /**
   * Ends the connection. `shutdown` and `resume` send what is pending and close the body normally (the
   * client reconnects); `slow` and `error` reset the connection itself and free the backlog at once.
   */
  end(reason: CloseReason): void {
    if (this.closedBy !== null) return
    this.closedBy = reason
    const pending = this.pending
    this.held = null
    this.heldBytes = 0
    this.wakeDrainWaiters()
    this.host.release(this)
    // Before the body started, `onPull` finishes the job (a normal end keeps its pending frames for it).
    if (this.controller === null) {
      if (!endsNormally(reason)) this.dropPending()
      return
    }
    this.dropPending()
    const finish = this.finish
    const abort = this.abort
    this.finish = null
    this.abort = null
    if (reason === "client") {
      finish?.()
      return
    }
    if (endsNormally(reason)) {
      try {
        if (pending !== null && pending.length > 0) this.controller.write(concat(pending))
        this.controller.close()
      } catch {
        // The body was already closed by the other side: nothing left to send.
      }
      finish?.()
      return
    }
    // Bun resets the socket when the body's `pull` promise rejects, even with a full receive window.
    // No reason on purpose: Bun prints a rejection reason like an uncaught error, code frame and all.
    abort?.(undefined)
  }

  private onPull(controller: ReadableStreamDirectController): Promise<void> {
    this.controller = controller
    const reason = this.closedBy
    if (reason !== null) {
      if (!endsNormally(reason)) return Promise.reject(undefined)
      const pending = this.pending
      this.dropPending()
      if (pending !== null && pending.length > 0) controller.write(concat(pending))
      controller.close()
      return Promise.resolve()
    }
    const done = new Promise<void>((resolve, reject) => {
      this.finish = resolve
      this.abort = reject
    })
    this.flushPending()
    return done
  }

  // A write the socket could not take yet answers with a promise: collect frames until it settles.
  private write(chunk: Uint8Array): void {
    let written: number | Promise<number>
    try {
      written = (this.controller as ReadableStreamDirectController).write(chunk)
    } catch {
      // A body the runtime closed without telling us throws here: end this connection rather than let
      // the error escape into the fan-out loop and starve the connections after it.
      this.end("error")
      return
    }
    if (typeof written === "number") {
      // 0 for a non-empty chunk: the destination has gone away (the client left, or the body was closed).
      if (written === 0 && chunk.byteLength > 0) this.end("error")
      return
    }
    this.blocked = true
    written.then(
      () => this.onDrain(),
      () => this.end("error"),
    )
  }

  private onDrain(): void {
    this.blocked = false
    if (this.closedBy !== null) return
    this.flushPending()
  }

  private flushPending(): void {
    const pending = this.pending
    if (pending !== null && pending.length > 0) {
      const chunk = pending.length === 1 ? (pending[0] as Uint8Array) : concat(pending)
      this.dropPending()
      this.write(chunk)
    }
    if (this.writable) this.wakeDrainWaiters()
  }

  private dropPending(): void {
    this.pending = null
    this.pendingBytes = 0
  }

  private checkBound(): void {
    const limit = this.host.maxBufferedBytes()
    const unsent = this.pendingBytes + this.heldBytes
    if (unsent <= limit) return
    this.host.warn(
      `tether: dropped a slow event-stream client: ${unsent} unsent bytes passed server.event_stream.max_buffered_bytes (${limit}); it resumes from its last id (${this.lastId ?? "none"})`,
    )
    this.end("slow")
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters
    if (waiters === null) return
    this.drainWaiters = null
    for (const wake of waiters) wake()
  }
}

/** Joins chunks into one buffer (one copy, one socket write). */
export const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  let size = 0
  for (const chunk of chunks) size += chunk.byteLength
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
