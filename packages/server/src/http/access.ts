/**
 * Access control in front of every route: who may reach the server and from which page.
 *
 * In order, for every request:
 * 1. `Host` must be the bound address, a loopback name (`localhost`, `127.0.0.1`, `[::1]`) or one of
 *    `server.allowed_hosts`, with any port; else 403 (a DNS-rebinding page reaches us under its own name).
 *    More than one `Host` header: 400.
 * 2. An `Origin` must be the server's own or one of `server.cors`; else 403. Allowed cross-origin
 *    requests get CORS headers; their preflights (`OPTIONS` + `Access-Control-Request-Method`) are
 *    answered here with 204, before authentication (browsers never send credentials on a preflight).
 *    A request to `/global/*` without an `Origin` that the browser marks `Sec-Fetch-Site: cross-site`
 *    or `same-site` (an `<img>`, `<script>` or frame on another origin's page) gets 403 too, unless it
 *    is a top-level navigation.
 * 3. With `TETHER_SERVER_PASSWORD` set (environment only, never the config file), every endpoint needs
 *    `Authorization: Bearer <password>` or HTTP Basic with that password (any user name);
 *    `GET /global/event` also takes `?token=<password>` because `EventSource` cannot set headers.
 *    Else 401 with `WWW-Authenticate`. Comparison is constant-time over SHA-256 digests.
 * 4. A declared body larger than the limit gets 400 `PayloadTooLarge` before any route reads it;
 *    {@link readJsonBody} enforces the same limit on chunked bodies and answers 400 for malformed JSON.
 *    400 rather than HTTP's 413: the API contract answers every refused body with 400 and a name.
 *
 * Options are resolved once per config object (the live config hands out a new object on change),
 * so a `PATCH /global/config` of `server.cors` applies to the next request without a restart.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { networkInterfaces, hostname as osHostname } from "node:os"
import type { Config } from "@tether/core"
import type { Middleware } from "./context.ts"

/** Default request body limit: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024

/** The env var holding the server password. */
export const PASSWORD_ENV = "TETHER_SERVER_PASSWORD"

/** The only path where `?token=` is accepted in place of an `Authorization` header. */
export const EVENT_STREAM_PATH = "/global/event"

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"]
const ALLOW_METHODS = "GET, POST, PATCH, OPTIONS"
const ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID, Cache-Control"
const CHALLENGE = 'Bearer realm="tether", Basic realm="tether", charset="UTF-8"'

/** What {@link createAccess} needs. */
export interface AccessOptions {
  /** The live config; read on every request, resolved again only when it returns a new object. */
  readonly config: () => Config
  /** The address and port the server actually listens on (the port is known only after binding to 0). */
  readonly bound: () => { readonly hostname: string; readonly port: number }
  /** The password, or `undefined`/`""` for none. Default: `process.env.TETHER_SERVER_PASSWORD`. */
  readonly password?: string | undefined
  /** Largest request body accepted, in bytes. Default {@link MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number
}

/** The access layer of one server. */
export interface Access {
  /**
   * Checks a request before routing. Returns the response to send (403, 401, 400 or an answered
   * preflight) or `null` when the request may proceed. `url` is the request's, when already parsed.
   */
  check(request: Request, url?: URL): Response | null
  /** Adds CORS headers to a route's response when the request came from an allowed foreign origin. */
  decorate(request: Request, response: Response): Response
  /** The body limit in force, for {@link readJsonBody}. */
  readonly maxBodyBytes: number
}

interface Resolved {
  readonly hosts: ReadonlySet<string>
  readonly cors: ReadonlySet<string>
  readonly port: number
}

/**
 * Builds the access layer. The password digest is computed once; host and origin sets once per config.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { createAccess } from "./access.ts"
 * const config = defaultConfig()
 * const access = createAccess({ config: () => config, bound: () => ({ hostname: "127.0.0.1", port: 4096 }) })
 * const server = Bun.serve({
 *   port: 4096,
 *   fetch: (request) => access.check(request) ?? access.decorate(request, Response.json({ ok: true })),
 * })
 * ```
 */
export const createAccess = (options: AccessOptions): Access => {
  const password = options.password === undefined ? process.env[PASSWORD_ENV] : options.password
  const expected = password === undefined || password === "" ? null : digest(password)
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES
  let lastConfig: Config | undefined
  let lastBound = ""
  let resolved: Resolved | undefined
  const current = (): Resolved => {
    const config = options.config()
    const bound = options.bound()
    const boundKey = `${bound.hostname}|${bound.port}`
    if (resolved === undefined || config !== lastConfig || boundKey !== lastBound) {
      resolved = resolve(config, bound.hostname, bound.port)
      lastConfig = config
      lastBound = boundKey
    }
    return resolved
  }

  const originAllowed = (r: Resolved, origin: string, host: string): "own" | "cors" | null => {
    if (r.cors.has(origin)) return "cors"
    let url: URL
    try {
      url = new URL(origin)
    } catch {
      return null
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null
    // Same origin: the page was served by us under the Host it is calling (covers a reverse proxy),
    // or under one of our names on our own port.
    if (url.host === host) return "own"
    if (r.hosts.has(url.hostname) && Number(url.port || (url.protocol === "https:" ? 443 : 80)) === r.port) {
      return "own"
    }
    return null
  }

  const authorized = (request: Request, url: URL): boolean => {
    if (expected === null) return true
    const header = request.headers.get("authorization")
    if (header !== null) {
      const given = credential(header)
      return given !== null && safeEqual(digest(given), expected)
    }
    if (url.pathname === EVENT_STREAM_PATH && request.method === "GET") {
      const token = url.searchParams.get("token")
      return token !== null && safeEqual(digest(token), expected)
    }
    return false
  }

  return {
    maxBodyBytes,
    check: (request, url = new URL(request.url)) => {
      const r = current()
      const host = (request.headers.get("host") ?? "").toLowerCase()
      if (host === "") return fail(403, "HostNotAllowed", NO_HOST_MESSAGE)
      // Bun joins repeated headers with ", ", and no host name contains a comma: this is two Host
      // headers. RFC 9112 §3.2 asks for 400: a proxy and we could each read a different one, and the
      // allow-list would vouch for the harmless one (`Host: localhost:1` + `Host: evil.com`).
      if (host.includes(",")) return fail(400, "HostNotAllowed", TWO_HOSTS_MESSAGE)
      if (!r.hosts.has(hostName(host))) {
        return fail(
          403,
          "HostNotAllowed",
          `Host "${host}" is not served here. Use the bound address or a loopback name, ` +
            `or add the name to server.allowed_hosts in the config.`,
        )
      }
      const origin = request.headers.get("origin")
      const kind = origin === null ? "own" : originAllowed(r, origin, host)
      if (kind === null) {
        return fail(
          403,
          "OriginNotAllowed",
          `Origin "${origin}" may not call this server. Add it to server.cors in the config to allow it.`,
        )
      }
      // Another page can still make the browser send a request without an Origin: `<img>`,
      // `<script>` or a frame pointing at the API. It could not read the answer, but it could hold
      // event streams open or probe the API; the browser's own Fetch Metadata says where it comes
      // from. "same-site" counts as foreign too: for a browser every port of localhost is the same
      // site, so any other local web app would pass. Only a top-level navigation (a link the user
      // follows) may come from elsewhere; the app itself is same-origin (through Vite's proxy too).
      const site = request.headers.get("sec-fetch-site")
      if (
        origin === null &&
        (site === "cross-site" || site === "same-site") &&
        !(
          request.headers.get("sec-fetch-mode") === "navigate" &&
          request.headers.get("sec-fetch-dest") === "document"
        ) &&
        url.pathname.startsWith("/global/")
      ) {
        return fail(
          403,
          "CrossSiteNotAllowed",
          `A page of another origin may not embed or load this server's API (Sec-Fetch-Site: ${site}, ` +
            `Sec-Fetch-Dest: ${request.headers.get("sec-fetch-dest") ?? "none"}).`,
        )
      }
      const cors = kind === "cors" && origin !== null ? origin : null
      if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
        const headers = new Headers({
          "Access-Control-Allow-Methods": ALLOW_METHODS,
          "Access-Control-Allow-Headers":
            request.headers.get("access-control-request-headers") ?? ALLOW_HEADERS,
          "Access-Control-Max-Age": "600",
        })
        if (cors !== null) corsHeaders(headers, cors)
        return new Response(null, { status: 204, headers })
      }
      if (!authorized(request, url)) {
        const response = fail(
          401,
          "Unauthorized",
          request.headers.has("authorization")
            ? "Wrong password."
            : `This server requires a password: send "Authorization: Bearer <password>" or HTTP Basic` +
                (url.pathname === EVENT_STREAM_PATH ? ', or "?token=<password>" on the event stream.' : "."),
        )
        response.headers.set("WWW-Authenticate", CHALLENGE)
        return cors === null ? response : withCors(response, cors)
      }
      const length = request.headers.get("content-length")
      if (length !== null && Number(length) > maxBodyBytes) {
        const response = fail(
          400,
          "PayloadTooLarge",
          `The request body is ${length} bytes; the limit is ${maxBodyBytes} bytes.`,
        )
        return cors === null ? response : withCors(response, cors)
      }
      return null
    },
    decorate: (request, response) => {
      const origin = request.headers.get("origin")
      if (origin === null) return response
      const host = (request.headers.get("host") ?? "").toLowerCase()
      return originAllowed(current(), origin, host) === "cors" ? withCors(response, origin) : response
    },
  }
}

/**
 * The access layer as the first step of the request pipeline: answers denials and preflights, and
 * adds CORS headers to every response for an allowed foreign origin (the event stream included).
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { accessMiddleware, createAccess } from "./access.ts"
 * const config = defaultConfig()
 * const middleware = [accessMiddleware(createAccess({ config: () => config, bound: () => ({ hostname: "127.0.0.1", port: 4096 }) }))]
 * ```
 */
export const accessMiddleware =
  (access: Access): Middleware =>
  async (request, context, next) =>
    access.check(request, context.url) ?? access.decorate(request, await next())

/**
 * Refuses to start on a non-loopback address without a password. Returns the message to print
 * (then exit 1), or `null` when the bind is allowed.
 *
 * @example
 * ```ts
 * import { bindRefusal } from "./access.ts"
 * const refusal = bindRefusal("0.0.0.0", process.env.TETHER_SERVER_PASSWORD)
 * if (refusal !== null) {
 *   console.error(refusal)
 *   process.exit(1)
 * }
 * ```
 */
export const bindRefusal = (hostname: string, password: string | undefined): string | null => {
  if (isLoopback(hostname) || (password !== undefined && password !== "")) return null
  return (
    `refusing to listen on ${hostname} without a password: any machine that can reach that ` +
    `address could read every event and drive the server.\n` +
    `  Set ${PASSWORD_ENV}=<secret> in the environment (clients then send "Authorization: Bearer <secret>"),\n` +
    `  or bind a loopback address: --hostname 127.0.0.1`
  )
}

/** The longest password accepted: far below any header or URL limit on the way. */
export const MAX_PASSWORD_LENGTH = 1024

/**
 * What a password may contain, said once for the start refusal, the README and the SDK: printable
 * ASCII (space to `~`), 1 to {@link MAX_PASSWORD_LENGTH} characters, no space at either end.
 */
export const PASSWORD_RULE =
  `printable ASCII characters (space to "~"), at most ${MAX_PASSWORD_LENGTH} of them, ` +
  "with no space at the start or end"

/**
 * Why `password` cannot be the server's password, or `null` when it can (or is unset: `undefined`/`""`).
 * Each documented way to send it must carry it unchanged: `fetch` refuses a header character above
 * U+00FF, clients disagree on how U+0080–U+00FF travel in a header (curl sends UTF-8, browsers Latin-1),
 * and HTTP strips spaces around a header value. Basic (base64) and `?token=` (percent-encoded) carry
 * anything; Bearer carries printable ASCII only, so that is the rule. The message never repeats the
 * password: it names the first offending position.
 *
 * @example
 * ```ts
 * import { passwordRefusal } from "./access.ts"
 * passwordRefusal("correct horse") // null
 * passwordRefusal("café") // "TETHER_SERVER_PASSWORD is not usable: character 4 is not printable ASCII; …"
 * ```
 */
export const passwordRefusal = (password: string | undefined): string | null => {
  if (password === undefined || password === "") return null
  let problem: string | null = null
  if (password.length > MAX_PASSWORD_LENGTH) problem = `it is ${password.length} characters long`
  else if (password.startsWith(" ") || password.endsWith(" "))
    problem = `it ${password.startsWith(" ") ? "starts" : "ends"} with a space (HTTP strips it from a header)`
  else {
    const bad = /[^\x20-\x7e]/.exec(password)
    if (bad !== null) problem = `character ${bad.index + 1} is not printable ASCII`
  }
  return problem === null
    ? null
    : `refusing to start: ${PASSWORD_ENV} is not usable: ${problem}.\n` +
        `  A password is ${PASSWORD_RULE}, so that every client can send it as ` +
        `"Authorization: Bearer <password>", HTTP Basic or "?token=<password>".`
}

/** The answer to a request with more than one Host header. */
const TWO_HOSTS_MESSAGE =
  "The request has more than one Host header (or a Host with a comma); send exactly one Host."

/** The answer to a request without a Host header (HTTP/1.1 requires one). */
export const NO_HOST_MESSAGE = "The request has no Host header."

/** Whether an address or name only reaches this machine. */
export const isLoopback = (hostname: string): boolean => {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1"
}

/** An error that maps to an HTTP status, with the API's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    override readonly name: string,
    message: string,
  ) {
    super(message)
  }

  /** The response `{"error":{"name","message"}}` with this status. */
  toResponse(): Response {
    return fail(this.status, this.name, this.message)
  }
}

/**
 * Reads a JSON body within a byte limit, also when it arrives chunked without `Content-Length`.
 * Throws {@link HttpError}: 400 `PayloadTooLarge` past the limit, 400 `MalformedJson` for bytes that
 * are not UTF-8 JSON (the message carries the parser's position), 400 `InvalidBody` for an empty body.
 *
 * @example
 * ```ts
 * import { HttpError, readJsonBody } from "./access.ts"
 * const handler = async (request: Request) => {
 *   try {
 *     return Response.json({ got: await readJsonBody(request, 1024) })
 *   } catch (error) {
 *     if (error instanceof HttpError) return error.toResponse()
 *     throw error
 *   }
 * }
 * ```
 */
export const readJsonBody = async (request: Request, maxBytes: number = MAX_BODY_BYTES): Promise<unknown> => {
  const text = await readBodyText(request, maxBytes)
  if (text === "")
    throw new HttpError(400, "InvalidBody", "The request body is empty; expected a JSON object.")
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(
      400,
      "MalformedJson",
      `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/**
 * Reads a body as UTF-8 text within a byte limit, chunked bodies included: reading stops (and the
 * rest is refused unread) as soon as the limit is passed, so memory per request stays bounded
 * whatever the client keeps sending. Throws {@link HttpError}: 400 `PayloadTooLarge` past the limit,
 * 400 `MalformedJson` for bytes that are not UTF-8, 400 `InvalidBody` for a body cut off by the
 * client. An absent body is `""`.
 *
 * @example
 * ```ts
 * import { readBodyText } from "./access.ts"
 * const text = await readBodyText(new Request("http://127.0.0.1/", { method: "POST", body: "{}" }), 1024) // "{}"
 * ```
 */
export const readBodyText = async (request: Request, maxBytes: number = MAX_BODY_BYTES): Promise<string> => {
  const length = request.headers.get("content-length")
  if (length !== null && Number(length) > maxBytes) throw tooLarge(Number(length), maxBytes)
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body !== null) {
    const reader = request.body.getReader()
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        // The client went away mid-body: an ordinary event, answered (to no one) without a 500 log.
        throw new HttpError(
          400,
          "InvalidBody",
          `The request body ended early: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
      const { done, value } = chunk
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge(size, maxBytes, true)
      }
      chunks.push(value)
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks, size))
  } catch {
    throw new HttpError(400, "MalformedJson", "The request body is not valid UTF-8.")
  }
}

/**
 * Reads a JSON body that must be an object (not an array, string or `null`); else 400 `InvalidBody`.
 */
export const readJsonObject = async (
  request: Request,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> => {
  const value = await readJsonBody(request, maxBytes)
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(
      400,
      "InvalidBody",
      `The request body must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}.`,
    )
  }
  return value as Record<string, unknown>
}

const tooLarge = (size: number, limit: number, atLeast = false): HttpError =>
  new HttpError(
    400,
    "PayloadTooLarge",
    `The request body is ${atLeast ? "more than " : ""}${atLeast ? limit : size} bytes; the limit is ${limit} bytes.`,
  )

const resolve = (config: Config, boundHost: string, port: number): Resolved => {
  const hosts = new Set(LOOPBACK_NAMES)
  const bound = boundHost.toLowerCase()
  if (bound === "0.0.0.0" || bound === "::" || bound === "[::]") {
    // A wildcard bind is reached under any of this machine's addresses or its name.
    hosts.add(osHostname().toLowerCase())
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) {
        hosts.add(address.family === "IPv6" ? `[${address.address.toLowerCase()}]` : address.address)
      }
    }
  } else {
    hosts.add(bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound)
  }
  for (const name of config.server.allowed_hosts) hosts.add(hostName(name.toLowerCase()))
  const cors = new Set(config.server.cors.map((origin) => new URL(origin).origin))
  return { hosts, cors, port }
}

/** The name part of a Host header value: `example.com:80` → `example.com`, `[::1]:80` → `[::1]`. */
const hostName = (host: string): string => {
  if (host.startsWith("[")) {
    const end = host.indexOf("]")
    return end === -1 ? host : host.slice(0, end + 1)
  }
  const colon = host.indexOf(":")
  // More than one colon without brackets: a bare IPv6 address, as a config may list it.
  if (colon !== -1 && host.indexOf(":", colon + 1) !== -1) return `[${host}]`
  return colon === -1 ? host : host.slice(0, colon)
}

const credential = (header: string): string | null => {
  const space = header.indexOf(" ")
  if (space === -1) return null
  const scheme = header.slice(0, space).toLowerCase()
  const value = header.slice(space + 1).trim()
  if (scheme === "bearer") return value
  if (scheme !== "basic") return null
  const decoded = Buffer.from(value, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon === -1 ? null : decoded.slice(colon + 1)
}

// Digests have equal length whatever was sent, so timingSafeEqual never throws and the comparison
// time does not depend on where a guess first differs.
const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest()
const safeEqual = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b)

const corsHeaders = (headers: Headers, origin: string): void => {
  headers.set("Access-Control-Allow-Origin", origin)
  headers.set("Access-Control-Allow-Credentials", "true")
  headers.append("Vary", "Origin")
}

const withCors = (response: Response, origin: string): Response => {
  // Streaming responses (the event stream) keep their body; only the headers change.
  try {
    corsHeaders(response.headers, origin)
    return response
  } catch {
    const headers = new Headers(response.headers)
    corsHeaders(headers, origin)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}

const fail = (status: number, name: string, message: string): Response =>
  Response.json({ error: { name, message } }, { status })
