import { describe, expect, test } from "bun:test"
import { redactError } from "./redact.ts"

// Built, not written out: Bun.inspect prints the source lines around an error, and these must not count.
const secret = ["s3", "cret"].join("")
const password = ["pw0", "rd"].join("")
const url = `http://me:${password}@127.0.0.1:4096/global/event?token=${secret}`

describe("redactError", () => {
  test("copies message, code and the cause chain with every URL redacted, and drops other properties", () => {
    const inner = Object.assign(
      new Error(`connect ECONNREFUSED for http://127.0.0.1:4096/x?token=${secret}`),
      {
        code: "ECONNREFUSED",
        errno: -111,
        syscall: "connect",
        address: url,
      },
    )
    const outer = Object.assign(new TypeError(`fetch ${url} failed`, { cause: inner }), { path: url })
    const copy = redactError(outer, url) as TypeError & { path?: unknown }
    expect(copy).toBeInstanceOf(TypeError)
    expect(copy.message).toBe("fetch http://me:***@127.0.0.1:4096/global/event?token=*** failed")
    expect(copy.path).toBeUndefined()
    const cause = copy.cause as Error & Record<string, unknown>
    expect(cause.message).toBe("connect ECONNREFUSED for http://127.0.0.1:4096/x?token=***")
    expect([cause.code, cause.errno, cause.syscall, cause.address]).toEqual([
      "ECONNREFUSED",
      -111,
      "connect",
      undefined,
    ])
    for (const text of [Bun.inspect(copy), String(copy.stack), String(cause.stack)]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(password)
    }
  })

  test("keeps a custom name; strings are redacted; primitives pass; other objects become an Error", () => {
    const custom = new Error(`at ${url}`)
    custom.name = "AbortError"
    expect((redactError(custom, url) as Error).name).toBe("AbortError")
    expect(redactError(`refused ${url}`, url)).toBe(
      "refused http://me:***@127.0.0.1:4096/global/event?token=***",
    )
    expect(redactError(42, url)).toBe(42)
    expect(redactError(undefined, url)).toBeUndefined()
    const object = redactError({ toString: () => url }, url)
    expect(object).toBeInstanceOf(Error)
    expect(String(object)).not.toContain(secret)
  })
})
