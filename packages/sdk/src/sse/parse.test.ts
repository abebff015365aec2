import { describe, expect, test } from "bun:test"
import { specStreams } from "../../test/fixtures/spec-streams.ts"
import { randomSplit, seededRandom } from "../../test/helpers/random.ts"
import { SseEventTooLarge } from "../errors.ts"
import { createParser } from "./parse.ts"
import type { SseMessage } from "./types.ts"

interface Collected {
  messages: SseMessage[]
  retries: number[]
  comments: string[]
  lastEventId: string
}

/** Decodes the chunks as a client does (streaming UTF-8, BOM kept for the parser) and parses them. */
function parseChunks(chunks: readonly Uint8Array[]): Collected {
  const out: Collected = { messages: [], retries: [], comments: [], lastEventId: "" }
  const parser = createParser({
    onMessage: (message) => out.messages.push(message),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (comment) => out.comments.push(comment),
  })
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }))
  parser.feed(decoder.decode())
  out.lastEventId = parser.lastEventId()
  parser.end()
  return out
}

const bytesOf = (input: string | Uint8Array) =>
  typeof input === "string" ? new TextEncoder().encode(input) : input
const byteByByte = (bytes: Uint8Array) => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))

describe("createParser: spec streams", () => {
  for (const stream of specStreams) {
    const bytes = bytesOf(stream.input)
    const check = (got: Collected) => {
      expect(got.messages).toEqual([...stream.messages])
      expect(got.retries).toEqual([...(stream.retries ?? [])])
      if (stream.comments) expect(got.comments).toEqual([...stream.comments])
      if (stream.lastEventId !== undefined) expect(got.lastEventId).toBe(stream.lastEventId)
    }
    test(`${stream.name}: whole`, () => check(parseChunks([bytes])))
    test(`${stream.name}: byte by byte`, () => check(parseChunks(byteByByte(bytes))))
    // Fewer rounds for the big streams: their chunks are already many.
    const rounds = bytes.length > 10_000 ? 20 : 200
    test(`${stream.name}: ${rounds} random splits`, () => {
      for (let seed = 1; seed <= rounds; seed++) {
        const random = seededRandom(seed)
        check(parseChunks(randomSplit(bytes, random, 1 + Math.floor(random() * 64))))
      }
    })
  }
})

describe("createParser: property", () => {
  // Random streams built from every line shape and line ending: any split must give the same events.
  const pieces = [
    "data: a",
    "data:b",
    "data",
    "data:  c",
    "event: e",
    "event:",
    "id: 1",
    "id: 2",
    "id",
    "id: x\u0000y",
    "retry: 300",
    "retry: x",
    ": c",
    "unknown: u",
    "data: ü🎉",
    "",
    "",
    "",
  ]
  const endings = ["\n", "\r", "\r\n"]
  test("any split of any stream gives the same events as the whole stream", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed)
      let text = random() < 0.3 ? "\uFEFF" : ""
      const lines = 5 + Math.floor(random() * 60)
      for (let i = 0; i < lines; i++) {
        text += pieces[Math.floor(random() * pieces.length)]
        text += endings[Math.floor(random() * endings.length)]
      }
      const bytes = new TextEncoder().encode(text)
      const whole = parseChunks([bytes])
      const split = parseChunks(randomSplit(bytes, random, 1 + Math.floor(random() * 12)))
      expect({ seed, ...split }).toEqual({ seed, ...whole })
      expect({ seed, ...parseChunks(byteByByte(bytes)) }).toEqual({ seed, ...whole })
    }
  })
})

describe("createParser: behaviour", () => {
  test("an event ended by CR is dispatched at once, not when the next chunk arrives", () => {
    const messages: SseMessage[] = []
    const parser = createParser({ onMessage: (message) => messages.push(message) })
    parser.feed("data: x\r\r")
    expect(messages).toEqual([{ id: "", event: "message", data: "x" }])
    // … and an LF starting the next chunk completes that CRLF instead of making another blank line.
    parser.feed("\ndata: y\r\n\r\n")
    expect(messages.map((message) => message.data)).toEqual(["x", "y"])
  })

  test("lastEventId seeds the id, as a reconnecting EventSource does", () => {
    const messages: SseMessage[] = []
    const parser = createParser({ lastEventId: "41", onMessage: (message) => messages.push(message) })
    parser.feed("data: a\n\nid: 42\ndata: b\n\n")
    expect(messages.map((message) => message.id)).toEqual(["41", "42"])
  })

  test("end() discards the partial event and keeps the last event ID for the next stream", () => {
    const messages: SseMessage[] = []
    const parser = createParser({ onMessage: (message) => messages.push(message) })
    parser.feed("id: 3\ndata: a\n\ndata: partial\nid: 4\n")
    parser.end()
    parser.feed("\uFEFFdata: b\n\n")
    expect(messages).toEqual([
      { id: "3", event: "message", data: "a" },
      { id: "3", event: "message", data: "b" },
    ])
  })

  test("reset() forgets the last event ID", () => {
    const messages: SseMessage[] = []
    const parser = createParser({ onMessage: (message) => messages.push(message) })
    parser.feed("id: 3\ndata: a\n\n")
    parser.reset()
    expect(parser.lastEventId()).toBe("")
    parser.feed("data: b\n\n")
    expect(messages[1]?.id).toBe("")
  })

  test("setLastEventId() mid-stream, from a handler, changes the id and nothing else (no BOM stripped again)", () => {
    const messages: SseMessage[] = []
    const parser = createParser({
      onMessage: (message) => {
        messages.push(message)
        if (message.data === "a") parser.setLastEventId("9")
      },
    })
    parser.feed("id: 3\ndata: a\n\ndata: b\n\nda")
    expect(parser.lastEventId()).toBe("9")
    // A BOM mid-stream is not stripped: its line is an unknown field "\ufeffdata", ignored.
    parser.feed("ta: c\n\n\ufeffdata: d\n\nid: 10\ndata: e\n\n")
    expect(messages).toEqual([
      { id: "3", event: "message", data: "a" },
      { id: "9", event: "message", data: "b" },
      { id: "9", event: "message", data: "c" },
      { id: "10", event: "message", data: "e" },
    ])
  })

  test("setLastEventId() between an event's id: line and its blank line: that id still names that event", () => {
    const messages: SseMessage[] = []
    const parser = createParser({ onMessage: (message) => messages.push(message) })
    parser.feed("id: 7\ndata: x\n")
    parser.setLastEventId("9")
    // Until the blank line, the new id is the one a reconnect would send.
    expect(parser.lastEventId()).toBe("9")
    parser.feed("\ndata: y\n\n")
    expect(messages).toEqual([
      { id: "7", event: "message", data: "x" },
      { id: "7", event: "message", data: "y" },
    ])
    expect(parser.lastEventId()).toBe("7")
    // An event without an id: line takes the id that was set; an unterminated one at the end is dropped with its id.
    parser.feed("data: z\n")
    parser.setLastEventId("11")
    parser.feed("\nid: 12\ndata: lost\n")
    parser.end()
    expect(messages.at(-1)).toEqual({ id: "11", event: "message", data: "z" })
    expect(parser.lastEventId()).toBe("11")
    parser.feed("data: after\n\n")
    expect(messages.at(-1)).toEqual({ id: "11", event: "message", data: "after" })
  })

  test("maxEventSize: a long data line split over many chunks stops the parser with SseEventTooLarge", () => {
    const errors: SseEventTooLarge[] = []
    const messages: SseMessage[] = []
    const parser = createParser({
      maxEventSize: 1000,
      onMessage: (message) => messages.push(message),
      onError: (error) => errors.push(error),
    })
    parser.feed("data: small\n\ndata: ")
    for (let i = 0; i < 200 && errors.length === 0; i++) parser.feed("0123456789")
    expect(messages).toHaveLength(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(SseEventTooLarge)
    expect(errors[0]?.limit).toBe(1000)
    expect(errors[0]?.message).toContain("maxEventSize")
    expect(() => parser.feed("more")).toThrow(SseEventTooLarge)
    parser.reset()
    parser.feed("data: again\n\n")
    expect(messages).toHaveLength(2)
  })

  test("maxEventSize counts the data of every line of one event, not the whole stream", () => {
    const errors: Error[] = []
    const messages: SseMessage[] = []
    const parser = createParser({
      maxEventSize: 100,
      onMessage: (message) => messages.push(message),
      onError: (error) => errors.push(error),
    })
    // 50 events of 60 characters: far more than 100 in total, each under it.
    parser.feed(`data: ${"a".repeat(30)}\ndata: ${"b".repeat(29)}\n\n`.repeat(50))
    expect(messages).toHaveLength(50)
    expect(errors).toHaveLength(0)
    // One event of 3 × 40: over.
    parser.feed(`data: ${"c".repeat(40)}\n`.repeat(3))
    expect(errors).toHaveLength(1)
  })

  test("without onError the overflow is thrown from feed", () => {
    const parser = createParser({ maxEventSize: 10, onMessage: () => {} })
    expect(() => parser.feed("data: 0123456789ABC")).toThrow(SseEventTooLarge)
  })

  test("rejects bad options with a clear message", () => {
    expect(() => createParser({} as never)).toThrow("onMessage must be a function")
    expect(() => createParser({ onMessage: () => {}, maxEventSize: 0 })).toThrow("maxEventSize")
  })

  test("a megabyte line in 1-byte chunks is joined once (linear, not quadratic)", () => {
    let data = ""
    const parser = createParser({ onMessage: (message) => (data = message.data) })
    const size = 1_000_000
    parser.feed("data: ")
    for (let i = 0; i < size; i++) parser.feed("x")
    parser.feed("\n\n")
    expect(data.length).toBe(size)
  })
})

/**
 * The spec's "event stream interpretation" written as plainly as possible (whole text, one regex split),
 * as an oracle for the parser's fast paths: inlined `data:` / `id:` lines, an `id` looked through for NUL
 * before it is sliced, and lines cut in a few pieces concatenated rather than joined.
 */
function interpret(text: string): Collected {
  const out: Collected = { messages: [], retries: [], comments: [], lastEventId: "" }
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r\n|\r|\n/)
  lines.pop() // the unterminated rest (or "" after the last terminator) is discarded
  let data: string[] = []
  let type = ""
  let idBuffer = ""
  for (const line of lines) {
    if (line === "") {
      out.lastEventId = idBuffer
      if (data.length > 0)
        out.messages.push({ id: idBuffer, event: type || "message", data: data.join("\n") })
      data = []
      type = ""
      continue
    }
    if (line.startsWith(":")) {
      out.comments.push(line.slice(1).replace(/^ /, ""))
      continue
    }
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "")
    if (field === "data") data.push(value)
    else if (field === "event") type = value
    else if (field === "id" && !value.includes("\0")) idBuffer = value
    else if (field === "retry" && /^[0-9]+$/.test(value)) out.retries.push(Number(value))
  }
  return out
}

describe("createParser: fast paths against a plain reading of the spec", () => {
  const longId = `id: ${"7".repeat(40)}`
  const pieces = [
    "data: a",
    'data: {"n":1}',
    "data:",
    "data",
    "event: e",
    "event:x",
    "id: 1",
    "id:2",
    "id: x\u0000y",
    longId,
    `${longId}\u0000`,
    "id",
    "retry: 300",
    ": c",
    "dat: no",
    "ida: no",
    "",
    "",
    "",
    "",
  ]
  for (const endings of [["\n"], ["\n", "\r", "\r\n"]]) {
    test(`random streams with ${endings.length === 1 ? "LF only" : "mixed line ends"}: whole, split and byte by byte`, () => {
      for (let seed = 1; seed <= 200; seed++) {
        const random = seededRandom(seed)
        let text = random() < 0.2 ? "\uFEFF" : ""
        const lines = 5 + Math.floor(random() * 80)
        for (let i = 0; i < lines; i++) {
          text += pieces[Math.floor(random() * pieces.length)]
          text += endings[Math.floor(random() * endings.length)]
        }
        if (random() < 0.5) text += "data: unterminated"
        const expected = { seed, ...interpret(text) }
        const bytes = new TextEncoder().encode(text)
        expect({ seed, ...parseChunks([bytes]) }).toEqual(expected)
        expect({ seed, ...parseChunks(randomSplit(bytes, random, 1 + Math.floor(random() * 40))) }).toEqual(
          expected,
        )
        expect({ seed, ...parseChunks(byteByByte(bytes)) }).toEqual(expected)
      }
    })
  }

  test("a line cut in 2 to 8 pieces is read whole, whether its pieces are concatenated or joined", () => {
    const line = 'data: {"type":"server.heartbeat"}'
    for (let pieces = 2; pieces <= 8; pieces++) {
      const messages: SseMessage[] = []
      const parser = createParser({ onMessage: (message) => messages.push(message) })
      const size = Math.ceil(line.length / pieces)
      for (let at = 0; at < line.length; at += size) parser.feed(line.slice(at, at + size))
      parser.feed("\n\n")
      expect({ pieces, messages }).toEqual({
        pieces,
        messages: [{ id: "", event: "message", data: '{"type":"server.heartbeat"}' }],
      })
    }
  })

  test("maxEventSize bounds a one-line event exactly, its type included", () => {
    const run = (text: string) => {
      const messages: SseMessage[] = []
      const errors: SseEventTooLarge[] = []
      const parser = createParser({
        maxEventSize: 10,
        onMessage: (message) => messages.push(message),
        onError: (error) => errors.push(error),
      })
      parser.feed(text)
      return { messages: messages.map((message) => message.data), errors: errors.map((error) => error.size) }
    }
    // Exactly at the bound: dispatched.
    expect(run("data: 0123456789\n\n")).toEqual({ messages: ["0123456789"], errors: [] })
    // One over: stopped, nothing dispatched.
    expect(run("data: 0123456789A\n\n")).toEqual({ messages: [], errors: [11] })
    // The event type counts too: 3 + 8 = 11.
    expect(run("event: abc\ndata: 12345678\n\n")).toEqual({ messages: [], errors: [11] })
    expect(run("event: abc\ndata: 1234567\n\n")).toEqual({ messages: ["1234567"], errors: [] })
  })

  test("an id over 32 characters with a NUL is ignored like a short one, in one chunk and cut", () => {
    const id = "9".repeat(40)
    const text = `id: ${id}\ndata: a\n\nid: ${id}\u0000\ndata: b\n\nid: 5\u0000\ndata: c\n\n`
    const expected = [
      { id, event: "message", data: "a" },
      { id, event: "message", data: "b" },
      { id, event: "message", data: "c" },
    ]
    expect(parseChunks([new TextEncoder().encode(text)]).messages).toEqual(expected)
    expect(parseChunks(byteByByte(new TextEncoder().encode(text))).messages).toEqual(expected)
  })
})
