/**
 * What an event-stream request carries: its URL, checked once, and its headers, as the HTML standard's
 * EventSource sends them and in a shape a user's `fetch` wrapper can extend.
 *
 * @module
 */
import { redactUrl } from "./redact.ts"

/** Characters no HTTP header value can carry; the parser never yields them in an id (NUL makes it ignore the id). */
const UNSENDABLE_ID = /[\0\r\n]/
const ASCII = /^[\x20-\x7e]*$/

/**
 * Resolves an event-stream URL the way `new EventSource(url)` does: against the document's base URL in a
 * browser, and throws at once (nothing is fetched) when it cannot be used.
 *
 * - not a string or a `URL` → `TypeError`
 * - not a URL → `SyntaxError` (the `DOMException` name `new EventSource` throws)
 * - a scheme other than `http:` / `https:` → `TypeError` (fetching it could never succeed, so retrying would go on forever)
 *
 * @example
 * ```ts
 * import { resolveStreamUrl } from "./request.ts"
 *
 * resolveStreamUrl("http://127.0.0.1:4096/global/event").href // "http://127.0.0.1:4096/global/event"
 * try {
 *   resolveStreamUrl("not a url")
 * } catch (error) {
 *   console.log(error instanceof SyntaxError) // true (outside a browser page, where it is relative)
 * }
 * ```
 */
export function resolveStreamUrl(url: string | URL): URL {
  if (typeof url !== "string" && !(url instanceof URL)) {
    throw new TypeError(
      `openEventStream: url must be a string or a URL, got ${url === null ? "null" : typeof url}`,
    )
  }
  const text = String(url)
  let resolved: URL
  try {
    resolved = new URL(text, documentBase())
  } catch {
    throw new SyntaxError(
      `openEventStream: ${JSON.stringify(redactUrl(text))} is not a URL; expected e.g. "http://127.0.0.1:4096/global/event"`,
    )
  }
  if (resolved.protocol !== "http:" && resolved.protocol !== "https:") {
    throw new TypeError(
      `openEventStream: the URL must be http: or https:, got ${JSON.stringify(redactUrl(resolved.href))}`,
    )
  }
  return resolved
}

/** The base a relative URL resolves against: the document's (a `<base>` tag included), or none outside a page. */
function documentBase(): string | undefined {
  const scope = globalThis as { document?: { baseURI?: unknown }; location?: { href?: unknown } }
  const base = scope.document?.baseURI ?? scope.location?.href
  return typeof base === "string" ? base : undefined
}

/**
 * Throws a `TypeError` for an id that cannot be sent as `Last-Event-ID` (NUL, CR or LF); `where` names the caller.
 *
 * @example
 * ```ts
 * import { checkLastEventId } from "./request.ts"
 *
 * checkLastEventId("café 😀", "setLastEventId") // fine: sent UTF-8 encoded
 * ```
 */
export function checkLastEventId(id: unknown, where: string): asserts id is string {
  if (typeof id !== "string" || UNSENDABLE_ID.test(id)) {
    throw new TypeError(
      `${where}: ${JSON.stringify(id)} cannot be sent as Last-Event-ID (a string without NUL, CR or LF)`,
    )
  }
}

/**
 * The request headers of one attempt, as a plain object: a `fetch` wrapper that spreads `init.headers` into
 * a new object (`{ ...init.headers, X }`) keeps them all, which it would not with a `Headers` instance.
 * `Accept` and `Last-Event-ID` are spelled as the `eventsource` package spells them; the caller's `extra`
 * headers come through `Headers`, so they are checked and their names lower-cased.
 *
 * `Last-Event-ID` is the id's UTF-8 bytes, as the HTML standard sends it ("the last event ID string, encoded
 * as UTF-8"): `fetch` takes a header value as a ByteString (one character per byte), so each byte is written
 * as the character of that code. A `…` or an emoji would otherwise make `Headers` throw, and `é` would go out
 * as the single Latin-1 byte E9.
 *
 * @example
 * ```ts
 * import { streamRequestHeaders } from "./request.ts"
 *
 * streamRequestHeaders({ Authorization: "Bearer t" }, "café")
 * // { Accept: "text/event-stream", "Last-Event-ID": "cafÃ©", authorization: "Bearer t" }
 * ```
 */
export function streamRequestHeaders(
  extra: HeadersInit | undefined,
  lastEventId: string,
): Record<string, string> {
  const headers = new Headers(extra)
  headers.delete("accept")
  headers.delete("last-event-id")
  const plain: Record<string, string> = { Accept: "text/event-stream" }
  if (lastEventId !== "") plain["Last-Event-ID"] = utf8ByteString(lastEventId)
  headers.forEach((value, name) => {
    plain[name] = value
  })
  return plain
}

/** `text` as a ByteString of its UTF-8 encoding (what `fetch` sends byte for byte). */
function utf8ByteString(text: string): string {
  if (ASCII.test(text)) return text
  let bytes = ""
  for (const byte of new TextEncoder().encode(text)) bytes += String.fromCharCode(byte)
  return bytes
}
