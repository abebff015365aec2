/**
 * The bind policy: where the server may listen and what its password may be. Read at start (the
 * CLI, the supervisor, the HTTP server) and by the config file keeper, which warns when a change
 * would make the next start refuse; the access check itself lives in `http/access.ts`.
 *
 * @module
 */

/** The env var holding the server password. */
export const PASSWORD_ENV = "TETHER_SERVER_PASSWORD"

/** Whether an address or name only reaches this machine. */
export const isLoopback = (hostname: string): boolean => {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "")
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1"
}

/**
 * Refuses to start on a non-loopback address without a password. Returns the message to print
 * (then exit 1), or `null` when the bind is allowed.
 *
 * @example
 * ```ts
 * import { bindRefusal } from "./bind-policy.ts"
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
 * import { passwordRefusal } from "./bind-policy.ts"
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
