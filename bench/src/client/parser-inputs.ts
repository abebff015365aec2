/**
 * Generated SSE inputs for the parser benchmark, each cut into random-size chunks by a seeded
 * generator so both parsers see exactly the same chunk list.
 *
 * @module
 */

/** One benchmark input: its chunks, and what a correct parser must dispatch from them. */
export interface ParserInput {
  readonly name: string
  readonly chunks: readonly string[]
  /** Total characters of all chunks. */
  readonly chars: number
  /** Bytes of the input as UTF-8 (the MB/s figure's numerator, as a socket would carry it). */
  readonly bytes: number
  readonly events: number
  /** Sum of `data.length` over all dispatched events. */
  readonly dataChars: number
}

/**
 * A small seeded PRNG (mulberry32), so inputs are identical across runs and machines.
 *
 * @example
 * ```ts
 * const random = seededRandom(1)
 * random() // always the same number in [0, 1)
 * ```
 */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Cut `text` into chunks of uniform random length in [1, maxChunk].
 *
 * @example
 * ```ts
 * randomChunks("abcdef", 2, seededRandom(1)).join("") // "abcdef"
 * ```
 */
export const randomChunks = (text: string, maxChunk: number, random: () => number): string[] => {
  const chunks: string[] = []
  for (let at = 0; at < text.length; ) {
    const size = 1 + Math.floor(random() * maxChunk)
    chunks.push(text.slice(at, at + size))
    at += size
  }
  return chunks
}

const build = (
  name: string,
  frames: string[],
  dataChars: number,
  maxChunk: number,
  seed: number,
): ParserInput => {
  const text = frames.join("")
  const chunks = randomChunks(text, maxChunk, seededRandom(seed))
  return {
    name,
    chunks,
    chars: text.length,
    bytes: Buffer.byteLength(text),
    events: frames.length,
    dataChars,
  }
}

/**
 * The inputs: tiny events (a heartbeat-sized frame), Tether-sized 256-byte events with a multi-byte
 * character, and big events (one 128 KiB `data:` line each), every one cut at random.
 */
export const parserInputs = (scale = 1): ParserInput[] => {
  const tiny: string[] = []
  let tinyData = 0
  for (let i = 0; i < 200_000 * scale; i++) {
    const data = `{"n":${i}}`
    tinyData += data.length
    tiny.push(`id: ${i}\ndata: ${data}\n\n`)
  }
  const typical: string[] = []
  let typicalData = 0
  const pad = "é".repeat(20) + "x".repeat(130)
  for (let i = 0; i < 40_000 * scale; i++) {
    const data = `{"id":"${i}","type":"bench.tick","properties":{"seq":${i},"pad":"${pad}"},"time":1795682996678}`
    typicalData += data.length
    typical.push(`id: ${i}\ndata: ${data}\n\n`)
  }
  const big: string[] = []
  let bigData = 0
  const blob = "abcdefghijklmnopqrstuvwxyz0123456789"
    .repeat(Math.ceil((128 * 1024) / 36))
    .slice(0, 128 * 1024)
  for (let i = 0; i < 80 * scale; i++) {
    const data = `{"i":${i},"blob":"${blob}"}`
    bigData += data.length
    big.push(`id: ${i}\nevent: big\ndata: ${data}\n\n`)
  }
  return [
    build("tiny events (~25 B), chunks 1–64 chars", tiny, tinyData, 64, 1),
    build("tiny events (~25 B), chunks 1–4096 chars", tiny, tinyData, 4096, 4),
    build("256-byte events, chunks 1–4096 chars", typical, typicalData, 4096, 2),
    build("big events (128 KiB data line), chunks 1–16384 chars", big, bigData, 16_384, 3),
  ]
}
