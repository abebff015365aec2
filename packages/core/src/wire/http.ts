/**
 * The bodies of Tether's HTTP API that are neither events nor config.
 *
 * @module
 */

/**
 * `GET /global/health`: liveness, the process answers.
 *
 * @example
 * ```ts
 * import type { HealthResponse } from "@tether/core/wire"
 * const health: HealthResponse = { healthy: true, version: "0.1.0" }
 * ```
 */
export interface HealthResponse {
  readonly healthy: true
  readonly version: string
}

/**
 * One readiness check: `ok`, plus figures such as `ms` or `value`, and `error` when it failed.
 *
 * @example
 * ```ts
 * import type { ReadyCheck } from "@tether/core/wire"
 * const check: ReadyCheck = { ok: false, error: "timed out", ms: 1000 }
 * ```
 */
export interface ReadyCheck {
  readonly ok: boolean
  readonly error?: string
  readonly [figure: string]: unknown
}

/**
 * `GET /global/health/ready` (200 when ready, 503 when not: both carry this body).
 *
 * @example
 * ```ts
 * import type { ReadyResponse } from "@tether/core/wire"
 * const ready: ReadyResponse = { ready: true, checks: { store: { ok: true, ms: 2 } } }
 * ```
 */
export interface ReadyResponse {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, ReadyCheck>>
}

/**
 * `POST /global/event` → 202: the durable id the event was stored under.
 *
 * @example
 * ```ts
 * import type { PublishResponse } from "@tether/core/wire"
 * const answer: PublishResponse = { id: "0000000000000001" }
 * ```
 */
export interface PublishResponse {
  readonly id: string
}
