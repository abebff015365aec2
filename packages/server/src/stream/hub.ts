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
 * A joined chunk is at most about half the slow-client bound (`groupBytes`); a turn with more is written
 * as several. A write to a connection that takes it goes to the runtime whatever its size, before any
 * bound applies: with whole turns joined, 300 publishes of 200 KiB sent at once grew a server with 100
 * streams by 2.3 GiB (0.2 GiB in pieces). In pieces, a stream that cannot take them as fast is dropped as
 * slow after about two and resumes from its last id.
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
  private readonly groupBytes: () => number

  /**
   * @param compare - the log's id order.
   * @param schedule - runs the turn's fan-out; default `setImmediate` (tests may run it at once).
   * @param observer - told of each turn and tick (the metrics).
   * @param previous - for a gapless log (`EventLogShape.previous`): the id right before an id. A live
   *   connection is then sent only the next number; one that would skip some is ended instead, and
   *   resumes from its last id (the log replays the hole or answers `server.resync`).
   * @param groupBytes - the most bytes joined into one chunk (at least one event each); default 512 KiB,
   *   half the default `max_buffered_bytes`.
   */
  constructor(
    compare: (a: string, b: string) => number,
    schedule: (flush: () => void) => void = (flush) => setImmediate(flush),
    observer: HubObserver | null = null,
    previous?: (id: string) => string | null,
    groupBytes: () => number = () => 512 * 1024,
  ) {
    this.compare = compare
    this.schedule = schedule
    this.observer = observer
    this.previous = previous
    this.groupBytes = groupBytes
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

  /** Sends the turn's durable events now: joined chunks (see the module note) to each live connection. */
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
    const groups = joinFrames(ids, frames, this.groupBytes())
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
          for (const group of groups) connection.deliver(group.last, group.chunk)
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

/** A chunk of joined frames and the id of its last event. */
export interface JoinedChunk {
  readonly last: string
  readonly chunk: Uint8Array
}

/**
 * Frames joined into chunks of at most `limit` bytes (a larger frame alone), in order.
 *
 * @example
 * ```ts
 * import { joinFrames } from "./hub.ts"
 * const frame = new Uint8Array(40)
 * joinFrames(["1", "2", "3"], [frame, frame, frame], 100).map((c) => c.last) // ["2", "3"]
 * ```
 */
export const joinFrames = (
  ids: readonly string[],
  frames: readonly Uint8Array[],
  limit: number,
): JoinedChunk[] => {
  if (frames.length === 1) return [{ last: ids[0] as string, chunk: frames[0] as Uint8Array }]
  const chunks: JoinedChunk[] = []
  let start = 0
  let bytes = 0
  for (let i = 0; i <= frames.length; i++) {
    const size = i < frames.length ? (frames[i] as Uint8Array).byteLength : 0
    if (i === frames.length || (i > start && bytes + size > limit)) {
      const part = frames.slice(start, i)
      chunks.push({
        last: ids[i - 1] as string,
        chunk: part.length === 1 ? (part[0] as Uint8Array) : concat(part),
      })
      start = i
      bytes = 0
    }
    bytes += size
  }
  return chunks
}
