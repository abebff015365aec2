/**
 * Reads a source to its end with a size cap, for config files that may be pipes.
 *
 * @module
 */

/** Reads once into `buffer` (from the current position), resolving to the count of bytes read; 0 at the end. */
export type ReadInto = (buffer: Uint8Array) => Promise<number>

const CHUNK_BYTES = 64 * 1024

/**
 * All the bytes `read` yields until it returns 0, or `null` as soon as there are more than `max`
 * (reading stops there, so an endless pipe ends too).
 */
export const readCapped = async (read: ReadInto, max: number): Promise<Uint8Array | null> => {
  // One buffer for every read, and a copy of just the bytes read: keeping a slice of a fresh buffer
  // per read would hold 64 KiB for each byte of a config a pipe delivers byte by byte.
  const buffer = new Uint8Array(CHUNK_BYTES)
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const bytesRead = await read(buffer)
    if (bytesRead === 0) break
    total += bytesRead
    if (total > max) return null
    chunks.push(Buffer.from(buffer.subarray(0, bytesRead)))
  }
  return Buffer.concat(chunks)
}
