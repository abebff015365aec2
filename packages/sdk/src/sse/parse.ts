/**
 * A streaming Server-Sent Events parser that follows the WHATWG HTML "event stream interpretation"
 * exactly: one leading BOM ignored, CR / LF / CRLF line endings (a CRLF may be split across chunks),
 * `data` lines joined with LF, comments and unknown fields ignored, an event without data not dispatched,
 * `event` empty → `message`, the last event ID kept across events and ignored when it contains NUL,
 * `retry` only when it is all ASCII digits, and an unterminated event at the end discarded.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { SseEventTooLarge } from "../errors.ts"
import type { EventSourceParser, ParserOptions, SseMessage } from "./types.ts"

const LF = 10
const SPACE = 32
const COLON = 58
const BOM = 0xfeff
/** `cr` not searched yet (any negative other than -1, which means "no CR in the rest of the chunk"). */
const CR_UNKNOWN = -2

/** Default bound of one event: 8 Mi characters. */
export const DEFAULT_MAX_EVENT_SIZE = 8 * 1024 * 1024

/**
 * Creates a streaming SSE parser. Feed it text decoded from the response (decode with
 * `new TextDecoder("utf-8", { ignoreBOM: true })` so the parser sees, and strips, the BOM exactly once).
 *
 * @param options - `onMessage` (required), `onRetry`, `onComment`, `onError`, `maxEventSize` (default 8 Mi
 *   characters), `lastEventId` (default `""`).
 * @returns `{ feed, end, reset, lastEventId }`.
 *
 * @example
 * ```ts
 * import { createParser } from "@tether/sdk/sse"
 *
 * const parser = createParser({ onMessage: (m) => console.log(m.event, m.data, m.id) })
 * parser.feed("id: 1\ndata: hel")
 * parser.feed("lo\n\n") // logs: message hello 1
 * ```
 */
export function createParser(options: ParserOptions): EventSourceParser {
  if (typeof options !== "object" || options === null || typeof options.onMessage !== "function") {
    throw new TypeError(
      "createParser: options.onMessage must be a function, e.g. createParser({ onMessage })",
    )
  }
  const { onMessage, onRetry, onComment, onError } = options
  const maxEventSize = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE
  if (typeof maxEventSize !== "number" || Number.isNaN(maxEventSize) || maxEventSize <= 0) {
    throw new RangeError(
      `createParser: maxEventSize must be a positive number of characters, got ${maxEventSize}`,
    )
  }

  // The line being read, as the fragments of the chunks it came in. Joined once, when its terminator
  // arrives: concatenating per chunk would copy a long `data:` line once per chunk (O(n²) when a big
  // event arrives in many small chunks).
  const pending: string[] = []
  let pendingLength = 0
  // The previous chunk ended with CR: if this one starts with LF, that LF completes the CRLF.
  // Dispatching at the CR at once (instead of waiting for the next chunk as some parsers do) keeps a
  // CR-terminated event from sitting in the buffer until the next heartbeat.
  let skipLF = false
  let atStreamStart = true
  let data = ""
  let hasData = false
  let eventType = ""
  // The spec's "last event ID buffer" (set by `id:`) and the stream's "last event ID string" (set from the
  // buffer at each blank line). Neither is reset after a dispatch.
  let idBuffer = options.lastEventId ?? ""
  let lastId = idBuffer
  // An `id:` line of the event being read set the buffer: `setLastEventId` must not overwrite it.
  let idPending = false
  let stopped: SseEventTooLarge | undefined

  function feed(chunk: string): void {
    if (stopped) throw stopped
    const length = chunk.length
    if (length === 0) return
    let pos = 0
    if (atStreamStart) {
      atStreamStart = false
      if (chunk.charCodeAt(0) === BOM) pos = 1
    }
    if (skipLF) {
      skipLF = false
      if (chunk.charCodeAt(pos) === LF) pos++
    }
    // The first CR at or after `pos`, searched once per chunk and handed on, so a CR-free chunk (nearly
    // every one) is scanned for CR once, not again by `processLines` after the pending line is completed
    // (faster on bench/'s parser inputs, A/B in one run; docs/BENCHMARKS.md has the parser figures).
    let cr: number
    if (pending.length > 0) {
      let end: number
      if (length - pos < 32) {
        // Tiny chunks (a slow trickle, or a byte-at-a-time test) are cheaper to walk once than to search twice.
        end = lineEnd(chunk, pos)
        cr = CR_UNKNOWN
      } else {
        const lf = chunk.indexOf("\n", pos)
        cr = chunk.indexOf("\r", pos)
        end = cr === -1 ? lf : lf === -1 || cr < lf ? cr : lf
      }
      if (end === -1) {
        pending.push(pos === 0 ? chunk : chunk.slice(pos))
        pendingLength += length - pos
        checkSize()
        return
      }
      // A line cut in a few pieces (the common case with small chunks) is concatenated: `join` led the
      // `bun --cpu-prof` profile of the SDK bench's heartbeat-size events in ≤ 40-char chunks, and
      // concatenating measured faster there (A/B in one run), the rope's one flatten at the first read of
      // the line included. More pieces are still joined once, so a long line in many chunks stays linear.
      const tail = chunk.slice(pos, end)
      let line: string
      if (pending.length <= 4) {
        line = pending[0] as string
        for (let i = 1; i < pending.length; i++) line += pending[i] as string
        line += tail
      } else {
        pending.push(tail)
        line = pending.join("")
      }
      pending.length = 0
      pendingLength = 0
      parseLine(line, 0, line.length)
      pos = end + 1
      if (chunk.charCodeAt(end) !== LF) {
        if (pos === length) skipLF = true
        else if (chunk.charCodeAt(pos) === LF) pos++
        // The CR just consumed was the one found: the next is still to be searched.
        cr = CR_UNKNOWN
      }
      if (stopped || pos >= length) return
      if (cr === CR_UNKNOWN) cr = chunk.indexOf("\r", pos)
    } else {
      if (pos >= length) return
      cr = chunk.indexOf("\r", pos)
    }
    processLines(chunk, pos, cr)
  }

  /** The lines of `chunk` from `pos`; `cr` is the first CR at or after `pos`, or -1. */
  function processLines(chunk: string, pos: number, cr: number): void {
    const length = chunk.length
    let lf = chunk.indexOf("\n", pos)
    if (cr === -1) {
      // LF-only chunk, what nearly every server sends: one indexOf per line, with the three commonest
      // line shapes (blank line, `data:`, `id:`) handled inline. `bun --cpu-prof` on bench/'s tiny events
      // in ≤ 4096-char chunks (where the SDK trailed eventsource-parser) put most of the time in
      // the generic field split of `parseLine`, nearly all of it `id: N` lines (a substring for the name,
      // then a string switch on it). Inlining `id:` here measured faster (A/B) than sending it to
      // `parseLine`'s own `id:` check.
      while (lf !== -1) {
        if (lf === pos) {
          dispatch()
        } else if (isData(chunk, pos)) {
          appendData(chunk.slice(valueAfter(chunk, pos + 4), lf))
        } else if (isId(chunk, pos)) {
          setId(chunk, valueAfter(chunk, pos + 2), lf)
        } else {
          parseLine(chunk, pos, lf)
        }
        if (stopped) return
        pos = lf + 1
        lf = chunk.indexOf("\n", pos)
      }
    } else {
      // Both positions are remembered and only the consumed one is searched again, so a chunk with one
      // CR far from many LFs is still scanned once.
      for (;;) {
        let end: number
        if (cr !== -1 && (lf === -1 || cr < lf)) end = cr
        else if (lf !== -1) end = lf
        else break
        parseLine(chunk, pos, end)
        if (stopped) return
        pos = end + 1
        if (end === cr) {
          if (pos === length) skipLF = true
          else if (chunk.charCodeAt(pos) === LF) {
            pos++
            lf = chunk.indexOf("\n", pos)
          }
          cr = chunk.indexOf("\r", pos)
        } else {
          lf = chunk.indexOf("\n", pos)
        }
      }
    }
    if (pos < length) {
      pending.push(chunk.slice(pos))
      pendingLength = length - pos
      checkSize()
    }
  }

  /** One complete line `s[start, end)`, without its terminator. */
  function parseLine(s: string, start: number, end: number): void {
    if (start === end) {
      dispatch()
      return
    }
    // "If the line starts with a U+003A COLON character (:)": a comment.
    if (s.charCodeAt(start) === COLON) {
      if (onComment) onComment(s.slice(valueAfter(s, start), end))
      return
    }
    // `data:` first: by far the commonest line, worth skipping the generic field split for.
    if (isData(s, start)) {
      appendData(s.slice(valueAfter(s, start + 4), end))
      return
    }
    // `id:` and `event:` next, for the lines that reach here (CR-terminated streams, lines completed
    // across chunks): the generic split below costs a substring and a string switch per line
    // (slower on tiny events with CRLF in ≤ 4096-char chunks, A/B in one run; see docs/BENCHMARKS.md).
    if (isId(s, start)) {
      setId(s, valueAfter(s, start + 2), end)
      return
    }
    if (isEvent(s, start)) {
      eventType = s.slice(valueAfter(s, start + 5), end)
      checkSize()
      return
    }
    // The field name runs to the first colon; a line without one is a field with an empty value.
    // A bounded loop rather than indexOf(":", start), which could scan past `end` into later lines.
    let colon = start
    while (colon < end && s.charCodeAt(colon) !== COLON) colon++
    const field = s.slice(start, colon)
    const value = colon === end ? "" : s.slice(valueAfter(s, colon), end)
    // Field names are compared literally, with no case folding.
    switch (field) {
      case "data":
        appendData(value)
        return
      case "event":
        eventType = value
        checkSize()
        return
      case "id":
        setId(value, 0, value.length)
        return
      case "retry":
        if (onRetry && isAsciiDigits(value)) onRetry(Number.parseInt(value, 10))
        return
      default:
      // "Otherwise: the field is ignored."
    }
  }

  function appendData(value: string): void {
    // The spec appends value + LF and strips the final LF at dispatch; joining with LF is the same
    // string without building and trimming the extra character.
    if (hasData) data = `${data}\n${value}`
    else {
      data = value
      hasData = true
    }
    checkSize()
  }

  /** The `id` field with value `s[from, end)`. */
  function setId(s: string, from: number, end: number): void {
    // "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value."
    // A short id is looked through for NUL in the chunk itself, before slicing: faster than the
    // slice + native `indexOf` it replaces, and than walking the fresh slice, which makes JSC resolve
    // the substring (tiny events in ≤ 4096-char chunks, A/B in one run). `indexOf` on the chunk cannot
    // stop at `end`.
    if (end - from > 32) {
      const value = s.slice(from, end)
      if (value.indexOf("\0") === -1) {
        idBuffer = value
        idPending = true
      }
      return
    }
    for (let i = from; i < end; i++) if (s.charCodeAt(i) === 0) return
    idBuffer = s.slice(from, end)
    idPending = true
  }

  function dispatch(): void {
    // "Set the last event ID string of the event source to the value of the last event ID buffer."
    lastId = idBuffer
    idPending = false
    // "If the data buffer is an empty string, set the data buffer and the event type buffer to the empty string and return."
    if (!hasData) {
      eventType = ""
      return
    }
    const message: SseMessage = { id: lastId, event: eventType === "" ? "message" : eventType, data }
    data = ""
    hasData = false
    eventType = ""
    onMessage(message)
  }

  function checkSize(): void {
    const size = data.length + eventType.length + pendingLength
    if (size > maxEventSize) overflow(size)
  }

  function overflow(size: number): void {
    stopped = new SseEventTooLarge(maxEventSize, size)
    pending.length = 0
    pendingLength = 0
    data = ""
    hasData = false
    eventType = ""
    if (onError) onError(stopped)
    else throw stopped
  }

  function end(): void {
    // "Once the end of the file is reached, any pending data must be discarded."
    pending.length = 0
    pendingLength = 0
    data = ""
    hasData = false
    eventType = ""
    skipLF = false
    atStreamStart = true
    stopped = undefined
    idBuffer = lastId
    idPending = false
  }

  function reset(resetOptions: { lastEventId?: string } = {}): void {
    end()
    idBuffer = resetOptions.lastEventId ?? ""
    lastId = idBuffer
  }

  function setLastEventId(id: string): void {
    lastId = id
    // The event being read keeps the id its own `id:` line gave it, and that id becomes the last at its blank line.
    if (!idPending) idBuffer = id
  }

  return { feed, end, reset, lastEventId: () => lastId, setLastEventId }
}

// The three fields worth recognising before the generic split, each spelled once: `s` holds the field
// name and its colon at `at` (a line shorter than that reads NaN past its end, which matches nothing).

/** `data:` at `at`. */
function isData(s: string, at: number): boolean {
  return (
    s.charCodeAt(at) === 100 && // d
    s.charCodeAt(at + 1) === 97 && // a
    s.charCodeAt(at + 2) === 116 && // t
    s.charCodeAt(at + 3) === 97 && // a
    s.charCodeAt(at + 4) === COLON
  )
}

/** `id:` at `at`. */
function isId(s: string, at: number): boolean {
  return (
    s.charCodeAt(at) === 105 && // i
    s.charCodeAt(at + 1) === 100 && // d
    s.charCodeAt(at + 2) === COLON
  )
}

/** `event:` at `at`. */
function isEvent(s: string, at: number): boolean {
  return (
    s.charCodeAt(at) === 101 && // e
    s.charCodeAt(at + 1) === 118 && // v
    s.charCodeAt(at + 2) === 101 && // e
    s.charCodeAt(at + 3) === 110 && // n
    s.charCodeAt(at + 4) === 116 && // t
    s.charCodeAt(at + 5) === COLON
  )
}

/**
 * Where a field's value starts, given the index of the colon after its name: "If value starts with a
 * U+0020 SPACE character, remove it from value" (only one).
 */
function valueAfter(s: string, colon: number): number {
  return s.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1
}

/** Index of the first CR or LF at or after `from`, or -1, walking: for the tail of a tiny chunk (see `feed`). */
function lineEnd(chunk: string, from: number): number {
  for (let i = from; i < chunk.length; i++) {
    const c = chunk.charCodeAt(i)
    if (c === LF || c === 13) return i
  }
  return -1
}

function isAsciiDigits(value: string): boolean {
  if (value.length === 0) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}
