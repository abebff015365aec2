import { describe, expect, test } from "bun:test"
import { defaultConfig, validateConfig } from "@tether/core"
import { chooseEventLog, withEventLogInForce } from "./log-choice.ts"

const configWith = (event_log: Record<string, unknown>) => validateConfig({ server: { event_log } }, null)

describe("chooseEventLog", () => {
  test("sqlite by default", () => {
    expect(chooseEventLog({ config: defaultConfig() })).toEqual({ kind: "sqlite" })
  })

  test("the flag wins over the config's kind", () => {
    expect(chooseEventLog({ flagKind: "memory", config: configWith({ kind: "sqlite" }) })).toEqual({
      kind: "memory",
    })
  })

  test("the Redis URL: flag over TETHER_REDIS_URL over the config", () => {
    const config = configWith({ kind: "redis", redis_url: "redis://config:1/0" })
    expect(chooseEventLog({ config })).toEqual({ kind: "redis", redisUrl: "redis://config:1/0" })
    expect(chooseEventLog({ envUrl: "redis://env:2", config })).toEqual({
      kind: "redis",
      redisUrl: "redis://env:2",
    })
    expect(chooseEventLog({ flagUrl: "redis://flag:3", envUrl: "redis://env:2", config })).toEqual({
      kind: "redis",
      redisUrl: "redis://flag:3",
    })
    expect(chooseEventLog({ envUrl: "", config })).toEqual({ kind: "redis", redisUrl: "redis://config:1/0" })
  })

  test("redis without a URL names the three places to give one", () => {
    expect(chooseEventLog({ flagKind: "redis", config: defaultConfig() })).toContain(
      "--redis-url redis://HOST:PORT[/DB], TETHER_REDIS_URL, or server.event_log.redis_url",
    )
  })

  test("bad values are named with what was expected", () => {
    expect(chooseEventLog({ flagKind: "postgres", config: defaultConfig() })).toBe(
      '--event-log expects sqlite, memory or redis, got "postgres"',
    )
    expect(
      chooseEventLog({ flagKind: "redis", flagUrl: "127.0.0.1:6379", config: defaultConfig() }),
    ).toContain(
      '--redis-url: expected redis://HOST:PORT[/DB] (rediss:// for TLS), e.g. "redis://127.0.0.1:6379/0", got "127.0.0.1:6379"',
    )
    expect(chooseEventLog({ flagKind: "redis", envUrl: "http://x:1", config: defaultConfig() })).toContain(
      "TETHER_REDIS_URL: expected redis://HOST:PORT[/DB]",
    )
  })

  test("--redis-url with another log is an error, not ignored; TETHER_REDIS_URL alone is ambient", () => {
    expect(chooseEventLog({ flagUrl: "redis://h:1", config: defaultConfig() })).toBe(
      "--redis-url is used only with the redis event log (--event-log redis), not sqlite",
    )
    expect(chooseEventLog({ envUrl: "redis://h:1", config: defaultConfig() })).toEqual({ kind: "sqlite" })
  })

  test("a refused URL is quoted without its password", () => {
    const flag = chooseEventLog({ flagKind: "redis", flagUrl: "redis://:hunter2@h", config: defaultConfig() })
    expect(flag).toContain('got "redis://***@h"')
    const env = chooseEventLog({ flagKind: "redis", envUrl: "redis://u:hunter2@h", config: defaultConfig() })
    expect(env).toContain('got "redis://***@h"')
    expect(`${flag} ${env}`).not.toContain("hunter2")
  })
})

describe("withEventLogInForce", () => {
  test("names the chosen kind and the URL in use, without credentials", () => {
    const file = configWith({ kind: "sqlite", redis_url: "redis://:file@127.0.0.1:1" })
    expect(
      withEventLogInForce(file, { kind: "redis", redisUrl: "redis://:hunter2@127.0.0.1:2/1" }).server
        .event_log,
    ).toEqual({ kind: "redis", redis_url: "redis://***@127.0.0.1:2/1" })
    expect(withEventLogInForce(file, { kind: "memory" }).server.event_log).toEqual({
      kind: "memory",
      redis_url: "redis://***@127.0.0.1:1",
    })
    expect(withEventLogInForce(defaultConfig(), { kind: "sqlite" }).server.event_log).toEqual({
      kind: "sqlite",
    })
  })
})
