/**
 * `@tether/core`: the config schema, config loading and its errors, the event envelope and the
 * built-in event types, shared by Tether's server, SDK and app.
 *
 * @module
 */
export * from "./config/errors.ts"
export * from "./config/json-schema.ts"
export { parseJsonc } from "./config/jsonc.ts"
export * from "./config/load.ts"
export * from "./config/patch.ts"
export * from "./config/paths.ts"
export * from "./config/schema.ts"
export * from "./config/validate.ts"
export * from "./event/envelope.ts"
export * from "./event/types.ts"
