import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import Ajv, { type ErrorObject } from "ajv"
import { invalidConfigs, validConfigs } from "../../test/fixtures/configs.ts"
import { ConfigInvalid } from "./errors.ts"
import { CONFIG_SCHEMA_ID, configJsonSchema } from "./json-schema.ts"
import { parseJsonc } from "./jsonc.ts"
import { validateConfig } from "./validate.ts"

// strict: an unknown keyword or format in the generated schema is an error, not ignored.
const ajv = new Ajv({ allErrors: true, strict: true })
const validate = ajv.compile(configJsonSchema())

/** The dotted key paths ajv finds at fault, in the same shape as `ConfigInvalid.issues[].path`. */
const ajvPaths = (errors: readonly ErrorObject[]): string[] =>
  errors.map((error) => {
    const segments = error.instancePath.split("/").slice(1)
    if (error.keyword === "additionalProperties") segments.push(String(error.params.additionalProperty))
    return segments.map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~")).join(".")
  })

const zodPaths = (value: unknown): string[] => {
  try {
    validateConfig(value, null)
    return []
  } catch (error) {
    if (!(error instanceof ConfigInvalid)) throw error
    return error.issues.map((issue) => issue.path)
  }
}

const unique = (paths: string[]): string[] => [...new Set(paths)].sort()

describe("configJsonSchema", () => {
  test("is draft-07 with an $id and a title, strict at every level", () => {
    const schema = configJsonSchema()
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(schema.$id).toBe(CONFIG_SCHEMA_ID)
    expect(schema.title).toBe("Tether config")
    expect(schema.additionalProperties).toBe(false)
    const at = (node: unknown, key: string): Record<string, unknown> =>
      ((node as { properties: Record<string, Record<string, unknown>> }).properties[key] ?? {}) as Record<
        string,
        unknown
      >
    const server = at(schema, "server")
    expect(server.additionalProperties).toBe(false)
    const eventStream = at(server, "event_stream")
    expect(eventStream.additionalProperties).toBe(false)
    const heartbeat = { heartbeat_ms: at(eventStream, "heartbeat_ms") }
    expect(heartbeat.heartbeat_ms).toMatchObject({
      type: "integer",
      minimum: 1000,
      maximum: 60000,
      default: 10000,
    })
  })

  test("schema/tether.schema.json is up to date (run `bun run schema` in packages/core)", () => {
    // Compared as JSON: the file is in the repository's format (Biome), the schema is the content.
    const committed = readFileSync(join(import.meta.dir, "../../schema/tether.schema.json"), "utf8")
    expect(JSON.parse(committed)).toEqual(configJsonSchema())
  })

  test.each(validConfigs.map((f) => [f.name, f] as const))("accepts valid/%s like zod does", (_, fixture) => {
    const value = parseJsonc(fixture.text, fixture.file)
    expect(zodPaths(value)).toEqual([])
    expect(validate(value)).toBe(true)
  })

  test.each(invalidConfigs.map((f) => [f.name, f] as const))(
    "rejects invalid/%s at the same key as zod",
    (_, fixture) => {
      const value = parseJsonc(fixture.text, fixture.file)
      expect(unique(zodPaths(value))).toEqual([fixture.invalidAt ?? "?"])
      expect(validate(value)).toBe(false)
      expect(unique(ajvPaths(validate.errors ?? []))).toEqual([fixture.invalidAt ?? "?"])
    },
  )

  test("agrees with zod on every heartbeat_ms around and inside the range", () => {
    const values: unknown[] = [
      -1,
      0,
      999,
      999.999,
      1000,
      1000.5,
      1001,
      10_000,
      59_999,
      60_000,
      60_000.5,
      60_001,
      1e20,
      "1000",
      null,
      true,
      [],
      {},
    ]
    for (const heartbeat_ms of values) {
      const value = { server: { event_stream: { heartbeat_ms } } }
      expect({ heartbeat_ms, valid: validate(value) }).toEqual({
        heartbeat_ms,
        valid: zodPaths(value).length === 0,
      })
    }
  })
})
