/**
 * The HTTP side of the telemetry: `GET /global/metrics`, and a middleware that counts event-stream
 * requests answered with an error instead of a stream (`tether_stream_refusals_total`: a wrong
 * password, a refused origin, a log that cannot be read). It goes first in the pipeline so that it
 * sees the access checks' answers too; it reads only the status, never a header or the query (where
 * a password may be).
 *
 * @module
 */
import type { Handler, Middleware } from "../http/context.ts"
import type { StreamMetrics } from "./metrics.ts"

const EVENT_PATH = "/global/event"

/**
 * Counts refused `GET /global/event` requests by reason.
 *
 * @example
 * ```ts
 * import { makeTelemetry } from "./telemetry.ts"
 * import { streamRefusalMiddleware } from "./http-hooks.ts"
 * const middleware = streamRefusalMiddleware(makeTelemetry().metrics)
 * ```
 */
export const streamRefusalMiddleware =
  (metrics: StreamMetrics): Middleware =>
  async (request, context, next) => {
    if (request.method !== "GET" || context.url.pathname !== EVENT_PATH) return next()
    const response = await next()
    if (response.status >= 400) metrics.streamRefused(refusalReason(response.status))
    return response
  }

const refusalReason = (status: number): string =>
  status === 401 ? "auth" : status === 403 ? "forbidden" : status === 503 ? "unavailable" : "other"

/**
 * `GET /global/metrics`: the Prometheus text exposition (behind the same access rules as every
 * endpoint, password included).
 *
 * @example
 * ```ts
 * import { makeRouter } from "../http/router.ts"
 * import { metricsRoute } from "./http-hooks.ts"
 * const route = makeRouter({ "GET /global/metrics": metricsRoute })
 * ```
 */
export const metricsRoute: Handler = async (_request, { telemetry }) =>
  new Response(await telemetry.metrics.render(), {
    headers: { "Content-Type": telemetry.metrics.contentType, "Cache-Control": "no-store" },
  })
