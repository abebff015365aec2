/**
 * Validation of a config value or text against `ConfigSchema`, with errors worded for people.
 *
 * @module
 */

import type { Config } from "../wire/config.ts"
import { ConfigInvalid } from "./errors.ts"
import { toConfigIssues } from "./issues.ts"
import { parseJsonc } from "./jsonc.ts"
import { ConfigSchema } from "./schema.ts"

/**
 * Checks a parsed config value and fills in every default. Unknown keys (at any depth), wrong
 * types and out-of-range values throw `ConfigInvalid`, which names `file` (`null`: no file, e.g. a
 * `PATCH /global/config` body), each key path, what was expected and the value given.
 *
 * @example
 * ```ts
 * import { validateConfig } from "@tether/core"
 * const config = validateConfig({ server: { event_stream: { heartbeat_ms: 1000 } } }, null)
 * console.log(config.server.event_stream.heartbeat_ms, config.server.port) // 1000 4096
 * // validateConfig({ server: { event_stream: { heartbeat_ms: 500 } } }, null) throws:
 * //   Invalid config:
 * //     server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500
 * ```
 */
export const validateConfig = (value: unknown, file: string | null): Config => {
  const result = ConfigSchema.safeParse(value)
  if (result.success) return result.data
  throw new ConfigInvalid(file, toConfigIssues(ConfigSchema, value, result.error.issues))
}

/**
 * Parses the text of a `tether.jsonc` / `tether.json` (JSONC: comments and trailing commas allowed)
 * and validates it like `validateConfig`. A syntax error throws `ConfigInvalid` whose issue gives the
 * 1-based line and column and what the parser expected.
 *
 * @example
 * ```ts
 * import { parseConfigText } from "@tether/core"
 * const text = `{
 *   // beat every second
 *   "server": { "event_stream": { "heartbeat_ms": 1000, }, },
 * }`
 * console.log(parseConfigText(text, "tether.jsonc").server.event_stream.heartbeat_ms) // 1000
 * ```
 */
export const parseConfigText = (text: string, file: string | null): Config =>
  validateConfig(parseJsonc(text, file), file)
