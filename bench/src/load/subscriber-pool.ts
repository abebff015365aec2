/**
 * C SSE subscribers over raw TCP sockets in one process, counting what each receives: per-connection
 * order and duplicates by the publisher's `seq`, latency from the publisher's `sent` stamp.
 *
 * @module
 */
import type { Socket } from "bun"
import { SampleBuffer } from "../stats/percentiles.ts"
import { type FrameInfo, FrameScanner } from "./frame-scanner.ts"
import { HttpResponseDecoder } from "./http-response-decoder.ts"

/** One server subscribers connect to. */
interface Target {
  readonly host: string
  readonly port: number
  readonly request: string
}

interface Subscriber {
  readonly decoder: HttpResponseDecoder
  /** The HTTP request to send (its server's `Host`). */
  readonly request: string
  open: boolean
  closed: boolean
  /** One byte per publisher `seq` (set when received): duplicates are found whatever the order. */
  seen: Uint8Array | null
  settle?: (ok: boolean) => void
}

/** Running totals over all subscribers (read them at any time). */
export interface PoolTotals {
  open: number
  failed: number
  /** Connections that were open and then closed by the server or the network. */
  dropped: number
  events: number
  duplicates: number
  /** Events whose `seq` was beyond the pool's `maxSeq` (a configuration mistake, never expected). */
  outOfRange: number
  heartbeats: number
  lastEventAt: number
}

/** Options of {@link SubscriberPool}. */
export interface PoolOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:4096`. */
  readonly url: string
  /** Several servers (instances sharing one log): subscribers are spread over them in turn; `url` is then ignored. */
  readonly urls?: readonly string[]
  /** Path of the SSE endpoint (default `/global/event`). */
  readonly path?: string
  /** Connects in flight at once, so the listen backlog never overflows into SYN retries. */
  readonly concurrency?: number
  /** Largest publisher `seq` + 1 a run will send (sizes each connection's duplicate detector). */
  readonly maxSeq: number
  /** Extra request headers, e.g. `Last-Event-ID` for a resuming client. */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * @example
 * ```ts
 * const pool = new SubscriberPool({ url: "http://127.0.0.1:4096" })
 * await pool.connect(1000, 30_000)
 * pool.totals.events // grows as events arrive
 * pool.close()
 * ```
 */
export class SubscriberPool {
  readonly totals: PoolTotals = {
    open: 0,
    failed: 0,
    dropped: 0,
    events: 0,
    duplicates: 0,
    outOfRange: 0,
    heartbeats: 0,
    lastEventAt: 0,
  }
  /** Delivery latencies in milliseconds. Only recorded while `recording` is true. */
  readonly latencies = new SampleBuffer()
  recording = false
  readonly #sockets = new Set<Socket<Subscriber>>()
  readonly #targets: readonly Target[]
  #next = 0
  readonly #concurrency: number
  readonly #maxSeq: number

  constructor(options: PoolOptions) {
    this.#concurrency = options.concurrency ?? 256
    this.#maxSeq = options.maxSeq
    this.#targets = (options.urls ?? [options.url]).map((text) => {
      const url = new URL(text)
      return {
        host: url.hostname,
        port: Number(url.port),
        request:
          `GET ${options.path ?? "/global/event"} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          "Accept: text/event-stream\r\nCache-Control: no-cache\r\n" +
          Object.entries(options.headers ?? {})
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join("") +
          "\r\n",
      }
    })
  }

  /**
   * Open `count` subscribers, `concurrency` at a time; each counts as open once its
   * `server.connected` frame arrived. Resolves when all are open or failed, or at `timeoutMs`.
   */
  async connect(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs
    let started = 0
    const worker = async () => {
      while (started < count && performance.now() < deadline) {
        started++
        const ok = await this.#connectOne(deadline)
        if (!ok) this.totals.failed++
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, count) }, worker))
    this.totals.failed += count - started
  }

  #connectOne(deadline: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let done = false
      const settle = (ok: boolean) => {
        if (done) return
        done = true
        clearTimeout(timer)
        resolve(ok)
      }
      const timer = setTimeout(() => settle(false), Math.max(1, deadline - performance.now()))
      const target = this.#targets[this.#next++ % this.#targets.length] as Target
      const state = this.#newSubscriber(settle, target.request)
      Bun.connect<Subscriber>({
        hostname: target.host,
        port: target.port,
        data: state,
        socket: this.#handlers,
      }).catch(() => settle(false))
    })
  }

  #newSubscriber(settle: (ok: boolean) => void, request: string): Subscriber {
    const totals = this.totals
    const subscriber: Subscriber = {
      request,
      open: false,
      closed: false,
      seen: null,
      settle,
      decoder: new HttpResponseDecoder({
        onHead: (head) => {
          if (head.status !== 200) subscriber.settle?.(false)
        },
        onBody: (buf, start, end) => scanner.push(buf, start, end),
        onEnd: () => {},
      }),
    }
    const onFrame = (frame: FrameInfo) => {
      if (frame.kind === "event") {
        // Publishes travel on several keep-alive connections, so a server may number them in a
        // different order than sent: count by seq set, not by order (order is Tether's tests' job).
        subscriber.seen ??= new Uint8Array(this.#maxSeq)
        if (frame.seq < 0 || frame.seq >= this.#maxSeq) totals.outOfRange++
        else if (subscriber.seen[frame.seq] === 0) {
          subscriber.seen[frame.seq] = 1
          totals.events++
          const now = performance.now()
          totals.lastEventAt = now
          if (this.recording && frame.sent >= 0) this.latencies.push(now - frame.sent / 1000)
        } else {
          totals.duplicates++
        }
      } else if (frame.kind === "heartbeat") {
        totals.heartbeats++
      } else if (frame.kind === "connected" && !subscriber.open) {
        subscriber.open = true
        totals.open++
        subscriber.settle?.(true)
        subscriber.settle = undefined
      }
    }
    const scanner = new FrameScanner(onFrame)
    return subscriber
  }

  readonly #handlers = {
    open: (socket: Socket<Subscriber>) => {
      this.#sockets.add(socket)
      socket.write(socket.data.request)
    },
    data: (socket: Socket<Subscriber>, data: Buffer) => {
      try {
        socket.data.decoder.push(data)
      } catch {
        socket.data.settle?.(false)
        socket.end()
      }
    },
    close: (socket: Socket<Subscriber>) => this.#lost(socket),
    error: (socket: Socket<Subscriber>) => this.#lost(socket),
    connectError: (socket: Socket<Subscriber>) => this.#lost(socket),
  }

  #lost(socket: Socket<Subscriber>): void {
    this.#sockets.delete(socket)
    const subscriber = socket.data
    if (subscriber.closed) return
    subscriber.closed = true
    subscriber.settle?.(false)
    if (subscriber.open) {
      subscriber.open = false
      this.totals.open--
      this.totals.dropped++
    }
  }

  /** Close every socket (the pool does not reconnect). */
  close(): void {
    for (const socket of this.#sockets) {
      socket.data.closed = true
      socket.end()
    }
    this.#sockets.clear()
  }
}
