/** A small seeded PRNG (mulberry32), so a failing random split can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Splits `bytes` at random points into chunks of 1 … maxChunk bytes. */
export function randomSplit(bytes: Uint8Array, random: () => number, maxChunk = 16): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let pos = 0
  while (pos < bytes.length) {
    const size = 1 + Math.floor(random() * maxChunk)
    chunks.push(bytes.subarray(pos, pos + size))
    pos += size
  }
  return chunks
}
