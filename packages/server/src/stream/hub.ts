/**
 * The set of open event-stream connections and the fan-out to them: one encoded frame, written to
 * each connection as the same bytes. Plain JavaScript for the same reason as `connection.ts`.
 *
 * @module
 */
import type { Connection } from "./connection.ts"

/**
 * Every open connection of one server.
 *
 * @example
 * ```ts
 * import { Hub } from "./hub.ts"
 * const hub = new Hub()
 * hub.broadcast("0000000000000001", new TextEncoder().encode("id: 0000000000000001\ndata: {}\n\n"))
 * hub.size // 0
 * ```
 */
export class Hub {
  private readonly connections = new Set<Connection>()

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

  /** A durable event to every connection (held by those still reading their replay). */
  broadcast(id: string, frame: Uint8Array): void {
    // A connection dropped during the loop removes itself; Set iteration tolerates that.
    for (const connection of this.connections) connection.deliver(id, frame)
  }

  /** An ephemeral frame (heartbeat) to every started connection. */
  broadcastEphemeral(frame: Uint8Array): void {
    for (const connection of this.connections) connection.beat(frame)
  }

  /** Ends every connection normally (server shutdown): each client sees the end and reconnects. */
  closeAll(): void {
    for (const connection of [...this.connections]) connection.end("shutdown")
  }
}
