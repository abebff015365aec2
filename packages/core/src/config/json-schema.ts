/**
 * The JSON Schema of the config file, generated from `ConfigSchema` (never written twice).
 *
 * @module
 */
import { z } from "zod"
import { ConfigSchema } from "./schema.ts"

/**
 * The `$id` of the config's JSON Schema: where the published copy can be fetched. A config file may
 * name it (or the local copy, `node_modules/@tether/core/schema/tether.schema.json`) in `$schema`.
 *
 * @example
 * ```ts
 * import { CONFIG_SCHEMA_ID } from "@tether/core"
 * const file = { $schema: CONFIG_SCHEMA_ID, server: { port: 4096 } }
 * ```
 */
export const CONFIG_SCHEMA_ID = "https://unpkg.com/@tether/core/schema/tether.schema.json"

/**
 * The JSON Schema (draft-07) of `tether.jsonc` / `tether.json`, for editors' completion and checks
 * and for `tether config schema`. Generated from `ConfigSchema` with `io: "input"`: every key
 * optional with its `default`, ranges as `minimum`/`maximum`, `additionalProperties: false` at every
 * level, so it accepts and rejects the same files as `validateConfig` (duplicate keys and JSONC
 * syntax aside, which are the parser's job). Draft-07 because every common editor supports it.
 * A fresh object on each call.
 *
 * @example
 * ```ts
 * import { configJsonSchema } from "@tether/core"
 * await Bun.write("tether.schema.json", `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
 * // then in tether.jsonc: { "$schema": "./tether.schema.json", "server": { … } }
 * ```
 */
export const configJsonSchema = (): Record<string, unknown> => {
  const { $schema, ...rest } = z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-07" })
  return { $schema, $id: CONFIG_SCHEMA_ID, title: "Tether config", ...rest }
}
