/**
 * Dispatches a request through the route table: exact `METHOD /path` match, 405 for a known path
 * with another method, the built app for its own pages and files, 404 JSON for everything else
 * (`/global/…`, `/metrics`: never the app's page with a 200).
 *
 * @module
 */

import { isAppPath } from "./app-pages.ts"
import type { Handler, RequestContext } from "./context.ts"
import { errorResponse } from "./json.ts"
import { serveApp } from "./static.ts"

/** API paths start here; everything else belongs to the app. */
const API_PREFIX = "/global/"

/**
 * Builds the dispatcher for a route table.
 *
 * @example
 * ```ts
 * import { makeRouter } from "./router.ts"
 * const route = makeRouter({ "GET /global/health": () => Response.json({ healthy: true }) })
 * ```
 */
export const makeRouter = (table: Record<string, Handler>) => {
  const methodsByPath = new Map<string, string[]>()
  for (const key of Object.keys(table)) {
    const [method = "", path = ""] = key.split(" ")
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method])
  }
  return (request: Request, context: RequestContext): Response | Promise<Response> => {
    const { pathname } = context.url
    const handler = table[`${request.method} ${pathname}`]
    if (handler !== undefined) return handler(request, context)
    if (request.method === "HEAD") {
      const get = table[`GET ${pathname}`]
      if (get !== undefined) return get(request, context)
    }
    const methods = methodsByPath.get(pathname)
    if (methods !== undefined) {
      return errorResponse(
        405,
        "MethodNotAllowed",
        `${request.method} is not allowed on ${pathname}; allowed: ${methods.join(", ")}`,
        undefined,
        { Allow: methods.join(", ") },
      )
    }
    if (pathname.startsWith(API_PREFIX) || pathname === "/global") {
      return errorResponse(404, "NotFound", `No route for ${request.method} ${pathname}`)
    }
    if ((request.method === "GET" || request.method === "HEAD") && isAppPath(pathname)) {
      return serveApp(request, context)
    }
    return errorResponse(404, "NotFound", `No route for ${request.method} ${pathname}`)
  }
}
