/**
 * What a stream's HTTP response says beyond its status: whether it is an event stream, how long its
 * `Retry-After` asks to wait, and the first words of a refusal's body for the error message.
 *
 * @module
 */

/** A `Retry-After` header is honoured up to this many ms. */
const MAX_RETRY_AFTER_MS = 300_000
/** How long a refused response may take to show the first bytes of its body for the error message. */
const ERROR_BODY_WAIT_MS = 1000
const ERROR_BODY_CHARS = 512

/** Whether a Content-Type's essence is `text/event-stream` (parameters and case ignored). */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false
  const semicolon = contentType.indexOf(";")
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  return essence === "text/event-stream"
}

/** `Retry-After` as a delay in ms from `now` (delta-seconds or an HTTP date); 0 when absent or invalid. */
export function parseRetryAfter(value: string | null, now: number): number {
  if (value === null) return 0
  const trimmed = value.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0
}

/** The first characters of a refused response's body, for the error message; never waits long. */
export async function readSnippet(response: Response): Promise<string> {
  const body = response.body
  if (!body) return ""
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ""
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ERROR_BODY_WAIT_MS)
  })
  try {
    while (text.length < ERROR_BODY_CHARS) {
      const result = await Promise.race([reader.read(), deadline])
      if (result === "timeout" || result.done) break
      text += decoder.decode(result.value, { stream: true })
    }
  } catch {
    // The body is only decoration for the error message.
  } finally {
    clearTimeout(timer)
    void reader.cancel().catch(() => {})
  }
  return text.trim().slice(0, ERROR_BODY_CHARS)
}
