import { describe, expect, test } from "bun:test"
import { HttpResponseDecoder, type ResponseHead } from "./http-response-decoder.ts"

const decodeAll = (pieces: Buffer[]) => {
  let head: ResponseHead | null = null
  const body: Buffer[] = []
  let ended = false
  const decoder = new HttpResponseDecoder({
    onHead: (h) => {
      head = h
    },
    onBody: (b, start, end) => body.push(Buffer.from(b.subarray(start, end))),
    onEnd: () => {
      ended = true
    },
  })
  for (const piece of pieces) decoder.push(piece)
  return { head: head as ResponseHead | null, body: Buffer.concat(body).toString(), ended }
}

/** Split into pieces at every offset set, to reach every state boundary. */
const splitAt = (buf: Buffer, cuts: number[]): Buffer[] => {
  const out: Buffer[] = []
  let prev = 0
  for (const cut of [...cuts, buf.length]) {
    out.push(buf.subarray(prev, cut))
    prev = cut
  }
  return out
}

const chunkedResponse = Buffer.from(
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5\r\nhello\r\n" +
    "a;ext=1\r\n world!!!!\r\n" +
    "0\r\n\r\n",
)

describe("HttpResponseDecoder", () => {
  test("a chunked response in one piece", () => {
    const { head, body, ended } = decodeAll([chunkedResponse])
    expect(head?.status).toBe(200)
    expect(head?.headers.get("content-type")).toBe("text/event-stream")
    expect(body).toBe("hello world!!!!")
    expect(ended).toBe(true)
  })

  test("a chunked response split at every single offset gives the same body", () => {
    for (let cut = 1; cut < chunkedResponse.length; cut++) {
      const { body, ended } = decodeAll(splitAt(chunkedResponse, [cut]))
      expect(body).toBe("hello world!!!!")
      expect(ended).toBe(true)
    }
  })

  test("a chunked response fed one byte at a time", () => {
    const cuts = Array.from({ length: chunkedResponse.length - 1 }, (_, i) => i + 1)
    expect(decodeAll(splitAt(chunkedResponse, cuts)).body).toBe("hello world!!!!")
  })

  test("a body without chunked encoding is passed through raw", () => {
    const raw = Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\ndata: x\n\n")
    const { head, body, ended } = decodeAll(splitAt(raw, [10, 40]))
    expect(head?.status).toBe(200)
    expect(body).toBe("data: x\n\n")
    expect(ended).toBe(false)
  })

  test("a non-HTTP answer and a bad chunk size are errors", () => {
    expect(() => decodeAll([Buffer.from("SSH-2.0-x\r\n\r\n")])).toThrow(/status line/)
    const bad = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    expect(() => decodeAll([bad])).toThrow(/chunk size/)
    const empty = Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n")
    expect(() => decodeAll([empty])).toThrow(/no hex digits/)
  })
})
