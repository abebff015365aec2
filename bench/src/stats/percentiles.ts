/**
 * Latency summaries: nearest-rank percentiles over a sample set.
 *
 * @module
 */

/** p50 / p99 / max of a set of samples, in the samples' unit; `null` fields when there were none. */
export interface LatencySummary {
  readonly count: number
  readonly p50: number | null
  readonly p99: number | null
  readonly max: number | null
}

/**
 * The nearest-rank percentile `p` (0–100) of samples already sorted ascending: the smallest value
 * with at least `p` % of the samples at or below it. `null` for no samples.
 *
 * @example
 * ```ts
 * percentileOfSorted(Float64Array.of(1, 2, 3, 4), 50) // 2
 * ```
 */
export const percentileOfSorted = (sorted: ArrayLike<number>, p: number): number | null => {
  if (sorted.length === 0) return null
  if (p <= 0) return sorted[0] ?? null
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, rank) - 1] ?? null
}

/**
 * Summarise samples (sorted in place: the caller gives up its order, we save a copy of millions).
 *
 * @example
 * ```ts
 * summarize(Float64Array.of(3, 1, 2)) // { count: 3, p50: 2, p99: 3, max: 3 }
 * ```
 */
export const summarize = (samples: Float64Array): LatencySummary => {
  samples.sort()
  return {
    count: samples.length,
    p50: percentileOfSorted(samples, 50),
    p99: percentileOfSorted(samples, 99),
    max: samples.length === 0 ? null : (samples[samples.length - 1] ?? null),
  }
}

/** The median of a few numbers (repeated runs); `null` for none. */
export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * A growable store of float samples in fixed-size blocks, so millions of latencies cost no array
 * re-copies while they arrive and one copy at the end.
 */
export class SampleBuffer {
  readonly #blocks: Float64Array[] = []
  #current: Float64Array
  #used = 0
  #length = 0

  constructor(private readonly blockSize = 1 << 16) {
    this.#current = new Float64Array(blockSize)
    this.#blocks.push(this.#current)
  }

  get length(): number {
    return this.#length
  }

  push(value: number): void {
    if (this.#used === this.blockSize) {
      this.#current = new Float64Array(this.blockSize)
      this.#blocks.push(this.#current)
      this.#used = 0
    }
    this.#current[this.#used++] = value
    this.#length++
  }

  /** All samples in one array (a copy). */
  toArray(): Float64Array {
    const out = new Float64Array(this.#length)
    let offset = 0
    for (const block of this.#blocks) {
      const take = Math.min(block.length, this.#length - offset)
      out.set(block.subarray(0, take), offset)
      offset += take
    }
    return out
  }
}
