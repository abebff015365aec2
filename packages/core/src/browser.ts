/**
 * `@tether/core/browser`: everything in `@tether/core` that does not touch the file system (schema,
 * validation, errors, patching, JSON Schema, and the wire contract of `@tether/core/wire`), for bundles that run in a browser: importing it
 * pulls in no `node:` module. `@tether/core` re-exports all of it, plus `loadConfig` and the XDG paths.
 *
 * @module
 */
export { decodeConfigBytes } from "./config/decode.ts"
export * from "./config/errors.ts"
export * from "./config/json-schema.ts"
export { JSONC_OPTIONS, parseJsonc } from "./config/jsonc.ts"
export * from "./config/patch.ts"
export * from "./config/redact.ts"
export * from "./config/schema.ts"
export * from "./config/validate.ts"
export * from "./wire/index.ts"
