/**
 * The encoded frames of recent durable events, by id, within a byte budget. A replay takes its
 * frames from here when it can, so the bytes made once at publish serve every connection that
 * resumes, too; a reconnect storm after an outage (every client resuming from nearly the same id)
 * then costs no encode per client. Frames read back from the log are added as well, so after a
 * restart the first resuming client warms the cache for the others.
 *
 * @module
 */

/** Default budget: the last ~14 000 typical (≈300-byte) events, what a reconnect storm replays. */
export const FRAME_CACHE_BYTES = 4 * 1024 * 1024

/**
 * A FIFO-evicted map of id → frame bytes.
 *
 * @example
 * ```ts
 * import { FrameCache } from "./frame-cache.ts"
 * const cache = new FrameCache(1024)
 * cache.set("0000000000000001", new Uint8Array(10))
 * cache.get("0000000000000001")?.byteLength // 10
 * ```
 */
export class FrameCache {
  private readonly frames = new Map<string, Uint8Array>()
  private bytes = 0

  constructor(private readonly budget: number = FRAME_CACHE_BYTES) {}

  /** Bytes held now (never above the budget). */
  get size(): number {
    return this.bytes
  }

  /** The mean size of the frames held (recent events), or `null` when none is. */
  get averageBytes(): number | null {
    return this.frames.size === 0 ? null : this.bytes / this.frames.size
  }

  get(id: string): Uint8Array | undefined {
    return this.frames.get(id)
  }

  /** Adds a frame; the oldest entries go when the budget is passed. A frame larger than the budget is not kept. */
  set(id: string, frame: Uint8Array): void {
    if (frame.byteLength > this.budget || this.frames.has(id)) return
    this.frames.set(id, frame)
    this.bytes += frame.byteLength
    if (this.bytes <= this.budget) return
    for (const [oldId, old] of this.frames) {
      this.frames.delete(oldId)
      this.bytes -= old.byteLength
      if (this.bytes <= this.budget) return
    }
  }
}
