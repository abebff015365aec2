/**
 * Serves the built app (`@tether/app`'s `dist/`) at `/`: files with their content type, and
 * `index.html` for any other page path so the app's router handles it (SPA fallback).
 *
 * @module
 */
import { existsSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import type { Handler } from "./context.ts"
import { errorResponse } from "./json.ts"

/**
 * Finds `@tether/app/dist` through module resolution from this package, or `null` when the app
 * package cannot be found.
 */
export const resolveAppDir = (from: string = import.meta.dir): string | null => {
  try {
    return join(dirname(Bun.resolveSync("@tether/app/package.json", from)), "dist")
  } catch {
    // The app's `exports` may not expose package.json: walk the node_modules chain instead.
  }
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", "@tether", "app", "package.json")
    if (existsSync(candidate)) return join(dirname(candidate), "dist")
    if (dirname(dir) === dir) return null
  }
}

const NOT_BUILT =
  "The Tether app is not built: there is no index.html in the app's dist/ directory. Run `bun run build` at the repository root (or `bun run dev` for the live dev server)."

/**
 * Hashed build assets (Vite's `dist/assets/`) never change; pages must be revalidated so a rebuild is
 * picked up. Decided from the path inside `dist/` only: an install path with a folder named `assets`
 * in it (`/srv/assets/…/dist/index.html`) must not make `index.html` cacheable for a year.
 */
const cacheControl = (appDir: string, file: string): string =>
  relative(appDir, file).startsWith(`assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache"

/** `GET`/`HEAD` of a non-API path. */
export const serveApp: Handler = (_request, { url, appDir }) => {
  const index = appDir === null ? null : join(appDir, "index.html")
  if (appDir === null || index === null || !existsSync(index)) {
    return errorResponse(404, "AppNotBuilt", NOT_BUILT)
  }
  let pathname: string
  try {
    pathname = decodeURIComponent(url.pathname)
  } catch {
    return errorResponse(400, "BadRequest", `The path ${url.pathname} is not valid percent-encoding`)
  }
  const file = resolve(appDir, `.${pathname}`)
  // Never serve anything outside dist/ (../ tricks, encoded or not).
  if (file !== appDir && !file.startsWith(appDir + sep)) {
    return errorResponse(404, "NotFound", `No file ${url.pathname}`)
  }
  if (isFile(file)) return fileResponse(appDir, file)
  // A missing asset (has an extension) is a real 404; a page path gets the app, whose router decides.
  const last = pathname.split("/").pop() ?? ""
  if (last.includes(".") && !last.endsWith(".html")) {
    return errorResponse(404, "NotFound", `No file ${url.pathname} in the built app`)
  }
  return fileResponse(appDir, index)
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/**
 * What the built app needs and nothing more: its own scripts, styles and API (same origin), the
 * `data:,` favicon of its index.html, and `style` attributes: Solid compiles the static part of a
 * `style={{…}}` into its HTML templates (`style=height:32px` on each event row), which
 * `style-src 'self'` would block. `style-src-attr 'unsafe-inline'` allows attributes only, never a
 * `<style>` element, and an attribute can load nothing that `img-src`/`font-src` do not allow. No
 * other site may frame it (clickjacking: a frame over the settings page
 * could trick a click on Save): `frame-ancestors 'none'`, and `X-Frame-Options: DENY` for browsers
 * without CSP 2. Checked in Chromium against the real build (packages/app/test/e2e/csp.e2e.ts).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ")

const SECURITY_HEADERS = {
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
} as const

const fileResponse = (appDir: string, file: string): Response =>
  // Bun.file sets Content-Type from the extension and streams the file.
  new Response(Bun.file(file), {
    headers: { ...SECURITY_HEADERS, "Cache-Control": cacheControl(appDir, file) },
  })
