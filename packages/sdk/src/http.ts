/**
 * The JSON request helper behind the typed calls: one place for the base URL, the password, the
 * error body and the failures that are not HTTP at all.
 *
 * @module
 */
import { type ApiErrorBody, type ApiErrorIssue, TetherApiError, TetherNetworkError } from "./errors.ts"
import { redactUrl } from "./sse/redact.ts"

export interface HttpConfig {
  /** Absolute base URL without a trailing slash, e.g. `http://127.0.0.1:4096` or `https://host/tether`. */
  readonly baseUrl: string
  readonly fetch: typeof fetch
  /** Headers sent with every request (and the event stream): `Authorization` when a password is set. */
  readonly headers: () => Headers
}

export interface RequestOptions {
  readonly body?: unknown
  readonly signal?: AbortSignal | undefined
  /** A non-2xx answer whose JSON body this accepts is returned instead of thrown (readiness's 503). */
  readonly acceptError?: (status: number, body: unknown) => boolean
}

/** Resolves and checks the base URL once, so a typo fails at `createTetherClient`, not at the first call. */
export function resolveBaseUrl(baseUrl: string | URL): string {
  let url: URL
  try {
    const location = (globalThis as { location?: { href?: string } }).location
    url = new URL(String(baseUrl), location?.href)
  } catch {
    throw new TypeError(
      `createTetherClient: baseUrl ${JSON.stringify(redactUrl(String(baseUrl)))} is not a URL; expected e.g. "http://127.0.0.1:4096"`,
    )
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `createTetherClient: baseUrl must be http: or https:, got ${JSON.stringify(redactUrl(url.href))}`,
    )
  }
  // Requests are sent to origin + path only: credentials or a query here would be dropped unsaid.
  if (url.username !== "" || url.password !== "") {
    throw new TypeError(
      "createTetherClient: baseUrl must not carry credentials (user:password@); pass the password as { password }",
    )
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(
      `createTetherClient: baseUrl must not have a query or fragment, got ${JSON.stringify(`${new URL(redactUrl(url.href)).search}${url.hash}`)}; ` +
        "pass the password as { password }",
    )
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`
}

/** Sends one JSON request and returns the parsed body, or throws `TetherApiError` / `TetherNetworkError`. */
export async function requestJson<T>(
  config: HttpConfig,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const url = `${config.baseUrl}${path}`
  const label = `${method} ${url}`
  const headers = config.headers()
  headers.set("Accept", "application/json")
  let payload: string | undefined
  if (options.body !== undefined) {
    try {
      payload = JSON.stringify(options.body)
    } catch (error) {
      throw new TypeError(
        `${label}: the body cannot be sent as JSON (${error instanceof Error ? error.message : String(error)})`,
      )
    }
    headers.set("Content-Type", "application/json")
  }

  let response: Response
  let text: string
  try {
    // A plain object, so a `fetch` wrapper that spreads `init.headers` (`{ ...init.headers, X }`) keeps them.
    response = await config.fetch(url, {
      method,
      headers: Object.fromEntries(headers),
      body: payload,
      signal: options.signal,
    })
    text = await response.text()
  } catch (error) {
    // An abort is the caller's own doing: let its AbortError through unchanged.
    if (options.signal?.aborted) throw error
    throw new TetherNetworkError(label, error)
  }

  let body: unknown
  let isJson = false
  if (text !== "") {
    try {
      body = JSON.parse(text)
      isJson = true
    } catch {}
  }
  if (response.ok || (isJson && options.acceptError?.(response.status, body))) {
    if (!isJson) {
      throw new TetherApiError(label, response.status, {
        name: "InvalidResponse",
        message: `expected a JSON body, got ${text === "" ? "an empty body" : JSON.stringify(snippet(text))}`,
      })
    }
    return body as T
  }
  throw new TetherApiError(label, response.status, errorBody(response, body, text))
}

function errorBody(response: Response, body: unknown, text: string): ApiErrorBody {
  const error = (body as { error?: unknown } | undefined)?.error
  if (typeof error === "object" && error !== null) {
    const { name, message, issues } = error as { name?: unknown; message?: unknown; issues?: unknown }
    if (typeof name === "string" && typeof message === "string") {
      const valid = Array.isArray(issues)
        ? issues.filter(
            (issue): issue is ApiErrorIssue =>
              typeof issue?.path === "string" && typeof issue?.message === "string",
          )
        : undefined
      return valid === undefined ? { name, message } : { name, message, issues: valid }
    }
  }
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`
  return { name: "HttpError", message: text === "" ? status : `${status}: ${snippet(text)}` }
}

const snippet = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text)
