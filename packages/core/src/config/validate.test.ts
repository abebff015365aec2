import { describe, expect, test } from "bun:test"
import { invalidConfigs, validConfigs } from "../../test/fixtures/configs.ts"
import { HEARTBEAT_MS } from "../wire/timing.ts"
import { ConfigInvalid } from "./errors.ts"
import { defaultConfig } from "./schema.ts"
import { parseConfigText, validateConfig } from "./validate.ts"

const FILE = "/home/me/tether.jsonc"

/** The ConfigInvalid that `run` throws; fails the test if it throws nothing or something else. */
const invalid = (run: () => unknown): ConfigInvalid => {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigInvalid) return error
    throw error
  }
  throw new Error("expected ConfigInvalid, nothing was thrown")
}

const withHeartbeat = (heartbeat_ms: unknown) => ({ server: { event_stream: { heartbeat_ms } } })

describe("heartbeat_ms range edges", () => {
  test.each([1000, 60_000, 10_000])("%p is accepted as given", (value) => {
    expect(validateConfig(withHeartbeat(value), FILE).server.event_stream.heartbeat_ms).toBe(value)
  })

  test.each([
    [999, "got 999"],
    [60_001, "got 60001"],
    [1000.5, "got 1000.5 (not an integer)"],
    ["1000", 'got string "1000"'],
    [null, "got null"],
  ])("%p is refused with the range and the value given", (value, given) => {
    const error = invalid(() => validateConfig(withHeartbeat(value), FILE))
    expect(error.issues).toEqual([
      {
        path: "server.event_stream.heartbeat_ms",
        message: `expected an integer from 1000 to 60000, ${given}`,
      },
    ])
    expect(error.message).toBe(
      `Invalid config in ${FILE}:\n  server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, ${given}`,
    )
  })
})

describe("defaults", () => {
  test("an empty object gets every default", () => {
    expect(validateConfig({}, null)).toEqual({
      server: {
        port: 4096,
        hostname: "127.0.0.1",
        cors: [],
        allowed_hosts: [],
        event_stream: {
          heartbeat_ms: HEARTBEAT_MS.default,
          retention_events: 10_000,
          max_buffered_bytes: 1024 * 1024,
        },
        event_log: { kind: "sqlite" },
      },
    })
    expect(defaultConfig()).toEqual(validateConfig({}, null))
  })

  test("a partial object keeps what it sets and fills the rest", () => {
    const config = validateConfig({ server: { port: 0, event_stream: { heartbeat_ms: 1000 } } }, null)
    expect(config.server.port).toBe(0)
    expect(config.server.hostname).toBe("127.0.0.1")
    expect(config.server.event_stream).toEqual({
      heartbeat_ms: 1000,
      retention_events: 10_000,
      max_buffered_bytes: 1024 * 1024,
    })
  })

  test("defaultConfig returns a fresh object each call", () => {
    const a = defaultConfig()
    a.server.cors.push("http://a.test")
    expect(defaultConfig().server.cors).toEqual([])
  })

  test("$schema is allowed and kept", () => {
    expect(validateConfig({ $schema: "./tether.schema.json" }, null).$schema).toBe("./tether.schema.json")
  })
})

describe("unknown keys", () => {
  test("at the top level: named, with the keys allowed there", () => {
    const error = invalid(() => validateConfig({ colour: "blue" }, FILE))
    expect(error.issues).toEqual([
      { path: "colour", message: "unknown key; allowed keys here: $schema, server" },
    ])
  })

  test("nested: named by full path, with a did-you-mean for a near miss", () => {
    const error = invalid(() => validateConfig({ server: { event_stream: { heartbeatMs: 1000 } } }, FILE))
    expect(error.issues).toEqual([
      {
        path: "server.event_stream.heartbeatMs",
        message:
          'unknown key (did you mean "heartbeat_ms"?); allowed keys here: heartbeat_ms, retention_events, max_buffered_bytes',
      },
    ])
    expect(error.message).toContain(FILE)
  })

  test("several at once: one issue each, nothing dropped", () => {
    const error = invalid(() => validateConfig({ a: 1, server: { b: 2, prot: 3 } }, null))
    expect(error.issues.map((i) => i.path).sort()).toEqual(["a", "server.b", "server.prot"])
    expect(error.issues.find((i) => i.path === "server.prot")?.message).toContain('did you mean "port"?')
    expect(error.issues.find((i) => i.path === "server.b")?.message).not.toContain("did you mean")
  })

  test("a key the dotted path cannot show (empty, with a dot or a space) is quoted in the message", () => {
    const error = invalid(() =>
      validateConfig({ server: { "": 1, "event_stream.heartbeat_ms": 2, " port": 3 } }, null),
    )
    expect(error.issues.map((i) => [i.path, i.message.split(";")[0]])).toEqual([
      ["server.", 'unknown key ""'],
      [
        "server.event_stream.heartbeat_ms",
        'unknown key "event_stream.heartbeat_ms" (a key cannot hold a dot: nest the objects instead)',
      ],
      ["server. port", 'unknown key " port" (did you mean "port"?)'],
    ])
  })

  test("a __proto__ key is an unknown key, not a prototype", () => {
    const error = invalid(() => validateConfig(JSON.parse('{"__proto__": {"port": 1}}'), null))
    expect(error.issues.map((i) => i.path)).toEqual(["__proto__"])
  })
})

describe("other keys", () => {
  test("cors takes bare lowercase origins only, and says so", () => {
    const ok = [
      "http://localhost:5173",
      "https://app.example.com",
      "http://127.0.0.1:8080",
      "http://[::1]:4096",
    ]
    expect(validateConfig({ server: { cors: ok } }, null).server.cors).toEqual(ok)
    const error = invalid(() => validateConfig({ server: { cors: ["http://localhost:5173/"] } }, null))
    expect(error.issues).toEqual([
      {
        path: "server.cors.0",
        message:
          'expected an origin scheme://host[:port] in lowercase, with no path, trailing slash or default port, e.g. "http://localhost:5173", got string "http://localhost:5173/"',
      },
    ])
  })

  test("type errors give the JSON type and the value", () => {
    const error = invalid(() =>
      validateConfig(
        { server: { port: "4096", hostname: 127, cors: "http://a.test", allowed_hosts: [true] } },
        null,
      ),
    )
    expect(error.issues).toEqual([
      { path: "server.port", message: 'expected an integer from 0 to 65535, got string "4096"' },
      { path: "server.hostname", message: "expected a string, got number 127" },
      { path: "server.cors", message: 'expected an array of strings, got string "http://a.test"' },
      { path: "server.allowed_hosts.0", message: "expected a string, got boolean true" },
    ])
  })

  test("a wrong root or section names what it got", () => {
    expect(invalid(() => validateConfig([], null)).issues).toEqual([
      { path: "", message: "expected an object, got array []" },
    ])
    expect(invalid(() => validateConfig({ server: null }, null)).issues).toEqual([
      { path: "server", message: "expected an object, got null" },
    ])
  })

  test("a number past the safe integer range gets one issue, not one per failed check", () => {
    const error = invalid(() =>
      parseConfigText(
        '{ "server": { "port": 100000000000000000000, "event_stream": { "retention_events": -1e20 } } }',
        FILE,
      ),
    )
    expect(error.issues).toEqual([
      { path: "server.port", message: "expected an integer from 0 to 65535, got 100000000000000000000" },
      {
        path: "server.event_stream.retention_events",
        message: "expected an integer from 1 to 10000000, got -100000000000000000000",
      },
    ])
  })

  test("a value nested 100 000 levels deep is ConfigInvalid naming its key, not a stack overflow", () => {
    let arrays: unknown = []
    let objects: unknown = 1
    for (let i = 0; i < 100_000; i++) {
      arrays = [arrays]
      objects = { a: objects }
    }
    expect(invalid(() => validateConfig({ server: { cors: arrays } }, null)).issues).toEqual([
      { path: "server.cors.0", message: `expected a string, got array ${"[".repeat(59)}…` },
    ])
    expect(invalid(() => validateConfig({ server: { port: objects } }, null)).issues).toEqual([
      {
        path: "server.port",
        message: `expected an integer from 0 to 65535, got object ${'{"a":'.repeat(12).slice(0, 59)}…`,
      },
    ])
  })

  test("long values are shortened in the message", () => {
    const error = invalid(() => validateConfig({ server: { port: "x".repeat(500) } }, null))
    expect(error.issues[0]?.message.length).toBeLessThan(120)
    expect(error.issues[0]?.message).toContain("…")
  })
})

describe("parseConfigText", () => {
  test("reads JSONC: comments and trailing commas", () => {
    const text = `// a comment
{
  /* block */ "server": {
    "event_stream": { "heartbeat_ms": 1000, }, // trailing comma
  },
}`
    expect(parseConfigText(text, FILE).server.event_stream.heartbeat_ms).toBe(1000)
  })

  test("names the file in a validation error", () => {
    const error = invalid(() =>
      parseConfigText('{ "server": { "event_stream": { "heartbeat_ms": 500 } } }', FILE),
    )
    expect(error.file).toBe(FILE)
    expect(error.message).toBe(
      `Invalid config in ${FILE}:\n  server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500`,
    )
  })

  test.each(validConfigs.map((f) => [f.name, f] as const))("valid/%s loads", (_, fixture) => {
    expect(() => parseConfigText(fixture.text, fixture.file)).not.toThrow()
  })

  test.each(invalidConfigs.map((f) => [f.name, f] as const))(
    "invalid/%s is refused at its key",
    (_, fixture) => {
      const error = invalid(() => parseConfigText(fixture.text, fixture.file))
      expect(error.issues.map((i) => i.path)).toEqual([fixture.invalidAt ?? "?"])
      expect(error.message.startsWith(`Invalid config in ${fixture.file}:\n  `)).toBe(true)
    },
  )
})
