/**
 * The reconnect delay: capped exponential backoff with uniform jitter. Pure; the random source is a parameter.
 *
 * @module
 */
import { DEFAULT_RETRY_MS } from "../wire.ts"

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay of the first attempt, in ms. Default 500 (a server's `retry:` field replaces it). */
  readonly baseMs: number
  /** Largest delay before jitter, in ms. Default 30 000. */
  readonly capMs: number
  /** Spread: each delay is multiplied by a uniform factor in `[1 - jitter, 1 + jitter]`. Default 0.25. */
  readonly jitter: number
}

/** The contract's defaults: 500 ms (the server's default `retry:`), doubling, capped at 30 s, ±25 %. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  baseMs: DEFAULT_RETRY_MS,
  capMs: 30_000,
  jitter: 0.25,
})

/**
 * Fills in defaults and checks the values, so a typo fails at subscribe time rather than as a retry storm.
 *
 * @throws RangeError when `baseMs` or `capMs` is not a finite number ≥ 0, `capMs < baseMs`, or `jitter` is outside `[0, 1]`.
 */
export function resolveBackoff(options: Partial<BackoffOptions> = {}): BackoffOptions {
  const resolved = {
    baseMs: options.baseMs ?? DEFAULT_BACKOFF.baseMs,
    capMs: options.capMs ?? DEFAULT_BACKOFF.capMs,
    jitter: options.jitter ?? DEFAULT_BACKOFF.jitter,
  }
  for (const key of ["baseMs", "capMs"] as const) {
    const value = resolved[key]
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`backoff.${key} must be a finite number of milliseconds ≥ 0, got ${String(value)}`)
    }
  }
  if (resolved.capMs < resolved.baseMs) {
    throw new RangeError(`backoff.capMs (${resolved.capMs}) must be ≥ backoff.baseMs (${resolved.baseMs})`)
  }
  if (typeof resolved.jitter !== "number" || !(resolved.jitter >= 0 && resolved.jitter <= 1)) {
    throw new RangeError(`backoff.jitter must be a number in [0, 1], got ${String(resolved.jitter)}`)
  }
  return resolved
}

/**
 * The delay before reconnect attempt `attempt` (1 for the first retry):
 * `min(capMs, baseMs · 2^(attempt-1))` times a uniform factor in `[1 - jitter, 1 + jitter]`.
 *
 * @param attempt - 1, 2, 3… (values below 1 are treated as 1).
 * @param options - resolved backoff options.
 * @param random - uniform source in `[0, 1)`. Default `Math.random`.
 *
 * @example
 * ```ts
 * import { backoffDelay, DEFAULT_BACKOFF } from "@tether/sdk/sse"
 *
 * backoffDelay(1, DEFAULT_BACKOFF, () => 0.5) // 500
 * backoffDelay(4, DEFAULT_BACKOFF, () => 0.5) // 4000
 * backoffDelay(20, DEFAULT_BACKOFF, () => 0.5) // 30000
 * backoffDelay(1, DEFAULT_BACKOFF, () => 0) // 375
 * ```
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1)
  // 2 ** exponent reaches Infinity for huge attempts; min() then yields capMs, never NaN.
  const raw = Math.min(options.capMs, options.baseMs * 2 ** exponent)
  const factor = 1 - options.jitter + 2 * options.jitter * random()
  return Math.round(raw * factor)
}
