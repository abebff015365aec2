/**
 * Keeps a stream URL's credentials (`?token=`, a userinfo password) out of error messages, logs and UIs.
 *
 * @module
 */

/** Query parameters that carry a credential (Tether's stream takes the password as `?token=`). */
const SECRET_PARAMS = /^(token|access_token|password|api_key|key)$/i
/** A URL inside an error's text (Bun's fetch errors quote the requested URL as `path`). */
const URL_IN_TEXT = /\b[a-z][a-z\d+.-]*:\/\/[^\s"'`<>]+/gi
/** How deep a chain of `cause`s is copied; deeper ones are dropped rather than shown unredacted. */
const MAX_CAUSE_DEPTH = 4

/** `url` with a userinfo password and the values of credential query parameters replaced by `***`. */
export function redactUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not a URL (the scheme forgotten, a typo) and so shown in an error as it was given: its
    // credentials are hidden all the same, found in the text.
    return redactSearch(url.replace(/(\/\/[^/?#@\s:]*:)[^/?#@\s]*@/, "$1***@")).text
  }
  let redacted = false
  if (parsed.password !== "") {
    parsed.password = "***"
    redacted = true
  }
  const search = redactSearch(parsed.search)
  redacted ||= search.redacted
  if (!redacted) return url
  parsed.search = search.text
  return parsed.href
}

/** `text` with the values of credential query parameters replaced by `***`. */
function redactSearch(text: string): { readonly text: string; readonly redacted: boolean } {
  let redacted = false
  // Rewritten by hand, not through searchParams (which would re-encode every other parameter).
  const replaced = text.replace(/([?&])([^=&#\s]*)=([^&#\s]*)/g, (whole, sep: string, name: string) => {
    if (!SECRET_PARAMS.test(decodeURIComponentSafe(name))) return whole
    redacted = true
    return `${sep}${name}=***`
  })
  return { text: replaced, redacted }
}

/**
 * A copy of `error` that is safe to show: its message, code and stack with `url` (and any URL in them)
 * redacted, its `cause` chain copied the same way, and no other property: a runtime's error may carry
 * the URL as written (Bun's fetch sets `path`), which `console.error` and `Bun.inspect` print.
 * The copy keeps the class of a built-in error (`TypeError`…), its `name`, and `code`/`errno`/`syscall`.
 */
export function redactError(error: unknown, url: string, depth = 0): unknown {
  const scrub = (text: string) => redactText(text, url)
  if (typeof error === "string") return scrub(error)
  if (!(error instanceof Error)) {
    return error === null || typeof error !== "object" ? error : new Error(scrub(String(error)))
  }
  const Builtin =
    error instanceof TypeError
      ? TypeError
      : error instanceof RangeError
        ? RangeError
        : error instanceof SyntaxError
          ? SyntaxError
          : Error
  const cause =
    error.cause === undefined || depth >= MAX_CAUSE_DEPTH
      ? undefined
      : redactError(error.cause, url, depth + 1)
  const copy: Error & { code?: unknown; errno?: unknown; syscall?: unknown } =
    cause === undefined ? new Builtin(scrub(error.message)) : new Builtin(scrub(error.message), { cause })
  if (copy.name !== error.name) copy.name = error.name
  const source = error as { code?: unknown; errno?: unknown; syscall?: unknown }
  if (typeof source.code === "string") copy.code = scrub(source.code)
  else if (typeof source.code === "number") copy.code = source.code
  if (typeof source.errno === "number") copy.errno = source.errno
  if (typeof source.syscall === "string") copy.syscall = scrub(source.syscall)
  if (typeof error.stack === "string") copy.stack = scrub(error.stack)
  return copy
}

/** `text` with `url` replaced by its redacted form, and every other URL in it redacted too. */
function redactText(text: string, url: string): string {
  const shown = redactUrl(url)
  const direct = shown === url ? text : text.split(url).join(shown)
  return direct.replace(URL_IN_TEXT, (found) => redactUrl(found))
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
