/**
 * Which paths belong to the built app: its pages (the routes of `@tether/app`'s `src/app.tsx`) and
 * its files. Only these get the app (or its `index.html` fallback, so that the app's router renders
 * the page); any other path (`/metrics`, `/api/x`) answers a JSON 404 rather than the app's page with
 * a 200, which a monitoring probe or a script would take for success.
 *
 * @module
 */

/** The app's page routes (each with its sub-paths); `app-pages.test.ts` keeps it equal to the app's router. */
export const APP_PAGES: readonly string[] = ["/", "/settings"]

/**
 * Whether `pathname` is one of the app's pages or a file path (one with an extension, served from
 * `dist/` or answered 404 there).
 *
 * @example
 * ```ts
 * import { isAppPath } from "./app-pages.ts"
 * isAppPath("/settings") // true
 * isAppPath("/assets/index-abc123.js") // true
 * isAppPath("/metrics") // false
 * ```
 */
export const isAppPath = (pathname: string): boolean => {
  if (pathname === "/") return true
  for (const page of APP_PAGES) {
    if (page !== "/" && (pathname === page || pathname.startsWith(`${page}/`))) return true
  }
  const last = pathname.slice(pathname.lastIndexOf("/") + 1)
  return last.includes(".")
}
