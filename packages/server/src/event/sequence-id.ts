/**
 * Ids of the embedded logs: a sequence number, zero-padded to 16 digits so that ids also sort as
 * strings (clients only compare them for equality; the padding helps humans and `ORDER BY`).
 *
 * @module
 */

const WIDTH = 16
const PATTERN = /^\d{16}$/

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
