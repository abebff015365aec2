import { describe, expect, test } from "bun:test"
import { ConfigInvalid } from "./errors.ts"
import { isRedactedRedisUrl, redactConfig, redactRedisUrl } from "./redact.ts"
import { defaultConfig, REDIS_URL_PATTERN } from "./schema.ts"
import { validateConfig } from "./validate.ts"

describe("redactRedisUrl", () => {
  test("hides a password, a user and password, or a bare user; keeps a URL without credentials", () => {
    expect(redactRedisUrl("redis://:hunter2@127.0.0.1:6379")).toBe("redis://***@127.0.0.1:6379")
    expect(redactRedisUrl("rediss://app:hunter2@redis.internal:6380/3")).toBe(
      "rediss://***@redis.internal:6380/3",
    )
    expect(redactRedisUrl("redis://hunter2@127.0.0.1:6379")).toBe("redis://***@127.0.0.1:6379")
    expect(redactRedisUrl("redis://127.0.0.1:6379/2")).toBe("redis://127.0.0.1:6379/2")
  })

  test("hides credentials of a URL that is not even valid (a slash or an @ in the password, no scheme)", () => {
    expect(redactRedisUrl("redis://:hun/ter@2@host")).toBe("redis://***@host")
    expect(redactRedisUrl(":hunter2@127.0.0.1:6379")).toBe("***@127.0.0.1:6379")
  })

  test("a redacted valid URL is still valid, and is recognised as redacted", () => {
    const shown = redactRedisUrl("redis://app:hunter2@127.0.0.1:6379/0")
    expect(new RegExp(REDIS_URL_PATTERN).test(shown)).toBe(true)
    expect(isRedactedRedisUrl(shown)).toBe(true)
    expect(isRedactedRedisUrl("redis://:hunter2@127.0.0.1:6379")).toBe(false)
  })
})

test("redactConfig hides the URL's credentials and returns a config without any unchanged", () => {
  const plain = defaultConfig()
  expect(redactConfig(plain)).toBe(plain)
  const config = validateConfig(
    { server: { event_log: { kind: "redis", redis_url: "redis://:hunter2@127.0.0.1:6379" } } },
    null,
  )
  expect(redactConfig(config).server.event_log).toEqual({
    kind: "redis",
    redis_url: "redis://***@127.0.0.1:6379",
  })
  expect(config.server.event_log.redis_url).toBe("redis://:hunter2@127.0.0.1:6379")
})

test("a redis_url refused for its form is quoted without its password", () => {
  let error: unknown
  try {
    validateConfig({ server: { event_log: { redis_url: "redis://:hunter2@127.0.0.1" } } }, "/etc/tether.json")
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(ConfigInvalid)
  const message = (error as ConfigInvalid).message
  expect(message).toContain("server.event_log.redis_url: expected redis://HOST:PORT[/DB]")
  expect(message).toContain('got string "redis://***@127.0.0.1"')
  expect(message).not.toContain("hunter2")
})
