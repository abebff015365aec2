/**
 * Runs middleware in order, then the router. A middleware may answer early (access denied) or
 * decorate the response of the rest of the pipeline (CORS headers). A handler that throws becomes a
 * 500 JSON answer, never a dropped connection.
 *
 * @module
 */
import type { Handler, Middleware, RequestContext } from "./context.ts"
import { errorResponse } from "./json.ts"

/**
 * Composes `middleware` around `terminal`.
 *
 * @example
 * ```ts
 * import { composePipeline } from "./pipeline.ts"
 * const handle = composePipeline([], () => new Response("ok"))
 * ```
 */
export const composePipeline =
  (middleware: readonly Middleware[], terminal: Handler) =>
  (request: Request, context: RequestContext): Promise<Response> => {
    const internal = (error: unknown): Response => {
      const message = error instanceof Error ? error.message : String(error)
      // The path only: a query may carry `?token=`. No telemetry in a bare test context: stderr then.
      const line = `${request.method} ${context.url.pathname} failed: ${message}`
      if (context.telemetry === undefined) console.error(`tether: ${line}`, error)
      else context.telemetry.log.error(line, { stack: error instanceof Error ? error.stack : undefined })
      return errorResponse(500, "InternalError", message)
    }
    const dispatch = async (index: number): Promise<Response> => {
      const step = middleware[index]
      if (step !== undefined) return step(request, context, () => dispatch(index + 1))
      // A handler's failure becomes its 500 here, inside the middleware, so that the CORS step still
      // decorates it: an allowed cross-origin page then reads the message instead of a network error.
      try {
        return await terminal(request, context)
      } catch (error) {
        return internal(error)
      }
    }
    return dispatch(0).catch(internal)
  }
