import { describe, expect, test } from "bun:test"
import { ConfigInvalid } from "./errors.ts"
import { parseJsonc } from "./jsonc.ts"
import { applyPatchToConfigText, mergeConfigPatch } from "./patch.ts"
import { validateConfig } from "./validate.ts"

describe("mergeConfigPatch", () => {
  test("objects merge deeply, arrays and scalars replace", () => {
    const base = {
      server: { port: 1, cors: ["http://a.test"], event_stream: { heartbeat_ms: 5000, retention_events: 9 } },
    }
    const patch = { server: { cors: ["http://b.test"], event_stream: { heartbeat_ms: 1000 } } }
    expect(mergeConfigPatch(base, patch)).toEqual({
      server: { port: 1, cors: ["http://b.test"], event_stream: { heartbeat_ms: 1000, retention_events: 9 } },
    })
  })

  test("null in a patch is a value, not a delete; undefined leaves the key", () => {
    expect(mergeConfigPatch({ a: 1, b: 2 }, { a: null, b: undefined })).toEqual({ a: null, b: 2 })
  })

  test("an object patch over a scalar or a missing base builds the object", () => {
    expect(mergeConfigPatch({ server: 5 }, { server: { port: 1 } })).toEqual({ server: { port: 1 } })
    expect(mergeConfigPatch(undefined, { server: { port: 1 } })).toEqual({ server: { port: 1 } })
  })

  test("does not change its inputs", () => {
    const base = { server: { event_stream: { heartbeat_ms: 5000 } } }
    const patch = { server: { event_stream: { heartbeat_ms: 1000 } } }
    const merged = mergeConfigPatch(base, patch) as typeof base
    merged.server.event_stream.heartbeat_ms = 7
    expect(base.server.event_stream.heartbeat_ms).toBe(5000)
    expect(patch.server.event_stream.heartbeat_ms).toBe(1000)
  })

  test("a patch nested far deeper than any config merges without blowing the stack", () => {
    let deep: unknown = 1
    for (let i = 0; i < 200_000; i++) deep = { a: deep }
    const merged = mergeConfigPatch({ server: { port: 1 } }, { server: { x: deep } })
    expect(() => validateConfig(merged, null)).toThrow(/server\.x: unknown key/)
  })

  test("a patch cannot slip an unknown key past validation, __proto__ included", () => {
    const sneaky = mergeConfigPatch({}, JSON.parse('{"server": {"__proto__": {"port": 1}, "extra": true}}'))
    expect(({} as Record<string, unknown>).port).toBeUndefined()
    let paths: string[] = []
    try {
      validateConfig(sneaky, null)
    } catch (error) {
      if (error instanceof ConfigInvalid) paths = error.issues.map((i) => i.path).sort()
    }
    expect(paths).toEqual(["server.__proto__", "server.extra"])
  })
})

describe("applyPatchToConfigText", () => {
  const text = `// My Tether config
{
  "$schema": "./tether.schema.json",
  "server": {
    "port": 4096, // the usual port
    /* keep this */
    "event_stream": {
      "heartbeat_ms": 5000,
    },
  },
}
`

  test("changes only the patched value and keeps every comment and trailing comma", () => {
    const result = applyPatchToConfigText(text, { server: { event_stream: { heartbeat_ms: 1000 } } })
    expect(result).toBe(text.replace('"heartbeat_ms": 5000', '"heartbeat_ms": 1000'))
  })

  test("adds missing keys in the file's own indentation", () => {
    const result = applyPatchToConfigText(text, { server: { cors: ["http://localhost:5173"] } })
    expect(result).toContain("// the usual port")
    expect(result).toContain("/* keep this */")
    expect(result).toContain('    "cors": [\n      "http://localhost:5173"\n    ]')
    expect(validateConfig(parseJsonc(result, null), null).server.cors).toEqual(["http://localhost:5173"])
  })

  test("keeps tabs and CRLF line endings", () => {
    const crlf = '{\r\n\t"server": {\r\n\t\t"port": 1\r\n\t}\r\n}\r\n'
    const result = applyPatchToConfigText(crlf, { server: { event_stream: { heartbeat_ms: 2000 } } })
    expect(result.replaceAll("\r\n", "")).not.toContain("\n")
    expect(result).toContain('\t\t"event_stream": {\r\n\t\t\t"heartbeat_ms": 2000\r\n\t\t}')
  })

  const beat = { server: { event_stream: { heartbeat_ms: 1000 } } }

  test("a new key goes after the comment that ends the previous key's line, not before it", () => {
    expect(applyPatchToConfigText('{\n  "server": {\n    "port": 8080 // the port\n  }\n}\n', beat)).toBe(
      '{\n  "server": {\n    "port": 8080, // the port\n    "event_stream": {\n      "heartbeat_ms": 1000\n    }\n  }\n}\n',
    )
    // With a trailing comma, the new last key gets one too.
    expect(
      applyPatchToConfigText('{\n  "server": {\n    "port": 8080, /* the port */\n  },\n}\n', beat),
    ).toBe(
      '{\n  "server": {\n    "port": 8080, /* the port */\n    "event_stream": {\n      "heartbeat_ms": 1000\n    },\n  },\n}\n',
    )
  })

  test("a key added to an empty object goes after the comment on the opening line", () => {
    expect(applyPatchToConfigText('{\n  "server": { // nothing yet\n  }\n}\n', beat)).toBe(
      '{\n  "server": { // nothing yet\n    "event_stream": {\n      "heartbeat_ms": 1000\n    }\n  }\n}\n',
    )
  })

  test("the indentation is read from the keys, not from a comment's leading space", () => {
    const header = "/*\n * Tether config\n */\n"
    expect(applyPatchToConfigText(`${header}{\n  "server": {\n    "port": 8080\n  }\n}\n`, beat)).toBe(
      `${header}{\n  "server": {\n    "port": 8080,\n    "event_stream": {\n      "heartbeat_ms": 1000\n    }\n  }\n}\n`,
    )
    const fourSpaces = '{\n      // an indented note\n    "server": {\n        "port": 8080\n    }\n}\n'
    expect(applyPatchToConfigText(fourSpaces, beat)).toBe(
      '{\n      // an indented note\n    "server": {\n        "port": 8080,\n        "event_stream": {\n            "heartbeat_ms": 1000\n        }\n    }\n}\n',
    )
  })

  test("a patch nested far too deep is refused by key, before any edit", () => {
    let deep: unknown = 1
    for (let i = 0; i < 200_000; i++) deep = { a: deep }
    expect(() => applyPatchToConfigText(text, { server: { x: deep } })).toThrow(/server\.x: unknown key/)
  })

  test("a value or key written on one line stays on one line", () => {
    const oneLine = '{ "server": { "cors": ["http://a.test"], "port": 1 } } // all on one line\n'
    expect(applyPatchToConfigText(oneLine, { server: { cors: ["http://b.test", "http://c.test"] } })).toBe(
      '{ "server": { "cors": ["http://b.test", "http://c.test"], "port": 1 } } // all on one line\n',
    )
    expect(applyPatchToConfigText(oneLine, beat)).toBe(
      '{ "server": { "cors": ["http://a.test"], "port": 1, "event_stream": { "heartbeat_ms": 1000 } } } // all on one line\n',
    )
    expect(
      applyPatchToConfigText('{ "server": { "port": 1 /* why */ } }', { server: { hostname: "::1" } }),
    ).toBe('{ "server": { "port": 1, /* why */ "hostname": "::1" } }')
  })

  test("an empty text becomes a new file", () => {
    expect(applyPatchToConfigText("", { server: { event_stream: { heartbeat_ms: 1000 } } })).toBe(
      '{\n  "server": {\n    "event_stream": {\n      "heartbeat_ms": 1000\n    }\n  }\n}\n',
    )
  })

  test("the result parses to mergeConfigPatch(parse(text), patch)", () => {
    const patches: unknown[] = [
      { server: { port: 0, hostname: "localhost" } },
      { server: { cors: ["http://a.test", "https://b.test:8443"], allowed_hosts: ["tether.local"] } },
      { server: { event_stream: { heartbeat_ms: 60_000, retention_events: 5, max_buffered_bytes: 65_536 } } },
      { server: {} },
      {},
      { $schema: "https://example.test/schema.json" },
    ]
    for (const patch of patches) {
      const result = applyPatchToConfigText(text, patch)
      expect(parseJsonc(result, null)).toEqual(mergeConfigPatch(parseJsonc(text, null), patch) as object)
    }
  })

  test("an object patch replaces a non-object value it cannot merge into", () => {
    const result = applyPatchToConfigText('{ "$schema": "x", "server": 5 }', {
      server: { event_stream: { heartbeat_ms: 1000 } },
    })
    expect(parseJsonc(result, null)).toEqual({
      $schema: "x",
      server: { event_stream: { heartbeat_ms: 1000 } },
    })
  })

  test("refuses a patch that would make the file invalid, and names the key", () => {
    const attempt = () =>
      applyPatchToConfigText(text, { server: { event_stream: { heartbeat_ms: 500, bogus: 1 } } }, "/t.jsonc")
    expect(attempt).toThrow(ConfigInvalid)
    try {
      attempt()
    } catch (error) {
      expect((error as ConfigInvalid).file).toBe("/t.jsonc")
      expect((error as ConfigInvalid).issues.map((i) => i.path).sort()).toEqual([
        "server.event_stream.bogus",
        "server.event_stream.heartbeat_ms",
      ])
    }
  })

  test("refuses to edit malformed JSONC, with its position", () => {
    expect(() => applyPatchToConfigText('{ "server": { ', { server: { port: 1 } })).toThrow(
      /line 1, column 15/,
    )
  })
})
