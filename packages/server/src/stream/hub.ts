/**
 * The set of open event-stream connections and the fan-out to them: one encoded frame, written to
 * each connection as the same bytes. Plain JavaScript for the same reason as `connection.ts`.
 *
 * Durable events published in one event-loop turn go out together at the end of the turn
 * (`setImmediate`), joined once into one chunk for every connection. Under light load a turn holds one
 * event, so nothing changes but a sub-millisecond hop. Under overload, publishes pile up while a
 * fan-out runs, and the next fan-out writes them as one chunk per connection instead of one per event:
 * profiled at high fan-out (docs/BENCHMARKS.md has the figures), Bun's per-chunk socket copy dominated
 * the server when every event was its own write, because on a reading client the socket never pushes back
 * and `connection.ts`'s backpressure batching never starts.
 *
 * @module
 */
import { type Connection, concat } from "./connection.ts"

/** What the hub reports to the metrics (once per turn and per tick, never per connection). */
export interface HubObserver {
  /** A turn's fan-out ended at `now`: `deliveries` event×stream handovers; `queuedAt`, each event's arrival. */
  readonly fannedOut: (deliveries: number, queuedAt: readonly number[], now: number) => void
  /** A heartbeat went to `streams` started streams. */
  readonly heartbeat: (streams: number) => void
}

/**
 * Every open connection of one server.
 *
 * @example
 * ```ts
 * import { Hub } from "./hub.ts"
 * import { compareSequenceIds } from "../event/sequence-id.ts"
 * const hub = new Hub(compareSequenceIds)
 * hub.broadcast("0000000000000001", new TextEncoder().encode("id: 0000000000000001\ndata: {}\n\n"))
 * hub.size // 0
 * ```
 */
export class Hub {
  private readonly connections = new Set<Connection>()
  // The durable events of the current turn, in publish order; null when none is waiting.
  private ids: string[] | null = null
  private frames: Uint8Array[] = []
  // When each of the turn's events reached the hub (performance.now()), for the delivery latency.
  private queuedAt: number[] = []
  private readonly compare: (a: string, b: string) => number
  private readonly schedule: (flush: () => void) => void
  private readonly observer: HubObserver | null
  private readonly previous: ((id: string) => string | null) | undefined

  /**
   * @param compare - the log's id order.
   * @param schedule - runs the turn's fan-out; default `setImmediate` (tests may run it at once).
   * @param observer - told of each turn and tick (the metrics).
   * @param previous - for a gapless log (`EventLogShape.previous`): the id right before an id. A live
   *   connection is then sent only the next number; one that would skip some is ended instead, and
   *   resumes from its last id (the log replays the hole or answers `server.resync`).
   */
  constructor(
    compare: (a: string, b: string) => number,
    schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
    observer: HubObserver | null = null,
    previous?: (id: string) => string | null,
  ) {
    this.compare = compare
    this.schedule = schedule
    this.observer = observer
    this.previous = previous
  }

  /** How many connections are open. */
  get size(): number {
    return this.connections.size
  }

  add(connection: Connection): void {
    this.connections.add(connection)
  }

  remove(connection: Connection): void {
    this.connections.delete(connection)
  }

  /** A durable event for every connection, sent at the end of this turn (see the module note). */
  broadcast(id: string, frame: Uint8Array): void {
    if (this.ids === null) {
      this.ids = [id]
      this.frames = [frame]
      this.queuedAt = [performance.now()]
      this.schedule(() => this.flush())
      return
    }
    this.ids.push(id)
    this.frames.push(frame)
    this.queuedAt.push(performance.now())
  }

  /** Sends the turn's durable events now: one joined chunk to each connection that is live. */
  flush(): void {
    const ids = this.ids
    if (ids === null) return
    const frames = this.frames
    const queuedAt = this.queuedAt
    this.ids = null
    this.frames = []
    this.queuedAt = []
    let deliveries = 0
    const first = ids[0] as string
    const last = ids[ids.length - 1] as string
    const joined = frames.length === 1 ? (frames[0] as Uint8Array) : concat(frames)
    const before = this.previous?.(first) ?? null
    // A connection dropped during the loop removes itself; Set iteration tolerates that.
    for (const connection of this.connections) {
      const seen = connection.lastId
      if (connection.holding) {
        // Still reading its replay: the connection dedupes held events one by one when it settles.
        for (let i = 0; i < ids.length; i++) connection.deliver(ids[i] as string, frames[i] as Uint8Array)
        deliveries += ids.length
      } else if (seen === null || this.compare(seen, first) < 0) {
        if (before !== null && seen !== null && seen !== before) connection.end("resume")
        else {
          connection.deliver(last, joined)
          deliveries += ids.length
        }
      } else {
        // Its replay, read after these were logged but before this flush, already sent some of them.
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i] as string
          if (this.compare(id, seen) > 0) {
            connection.deliver(id, frames[i] as Uint8Array)
            deliveries++
          }
        }
      }
    }
    this.observer?.fannedOut(deliveries, queuedAt, performance.now())
  }

  /** An ephemeral frame (heartbeat) to every started connection. */
  broadcastEphemeral(frame: Uint8Array): void {
    let streams = 0
    for (const connection of this.connections) {
      if (connection.started) streams++
      connection.beat(frame)
    }
    this.observer?.heartbeat(streams)
  }

  /**
   * Ends the connections that `test` picks, normally, so that each client resumes from its last id;
   * returns how many.
   */
  endWhere(test: (connection: Connection) => boolean): number {
    let ended = 0
    for (const connection of [...this.connections]) {
      if (!test(connection)) continue
      connection.end("resume")
      ended++
    }
    return ended
  }

  /** Ends every connection normally (server shutdown): each client sees the end and reconnects. */
  closeAll(): void {
    this.flush()
    for (const connection of [...this.connections]) connection.end("shutdown")
  }
}
