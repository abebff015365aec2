/**
 * Ids of the embedded logs: a sequence number, zero-padded to 16 digits so that ids also sort as
 * strings (clients only compare them for equality; the padding helps humans and `ORDER BY`).
 *
 * A new log does not count from 1: it starts after {@link initialSequence}, the microseconds of its
 * creation. A client holds its last id across the server's restarts; when the log behind the server
 * is a new one (a wiped data dir, or any restart of the memory log), counting from 1 again would make
 * an old id look like a position in the new log once it had as many events, and the client would
 * silently skip the new log's first events. Starting at the creation time puts every id of an older
 * log below the new log's first one (it would take over 1000 events per millisecond, sustained, to
 * catch up), so an old id is "before the oldest" and gets `server.resync`.
 *
 * @module
 */

const WIDTH = 16
const PATTERN = /^\d{16}$/

/**
 * Where a log created at `now` starts: its first id is this plus one. Microseconds since the epoch
 * stay a safe integer of at most 16 digits until the year 2255.
 *
 * @example
 * ```ts
 * import { formatSequenceId, initialSequence } from "./sequence-id.ts"
 * formatSequenceId(initialSequence(Date.UTC(2026, 10, 26)) + 1) // "1795651200000001"
 * ```
 */
export const initialSequence = (now: number = Date.now()): number => Math.floor(now) * 1000

/** `7` → `"0000000000000007"`. */
export const formatSequenceId = (seq: number): string => String(seq).padStart(WIDTH, "0")

/** The sequence number of an id, or `null` when the text is not one of ours. */
export const parseSequenceId = (id: string): number | null => {
  if (!PATTERN.test(id)) return null
  const seq = Number(id)
  return Number.isSafeInteger(seq) ? seq : null
}

/** Orders ids of the same width: plain string order. */
export const compareSequenceIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
