/**
 * `@tether/core`: the config schema, config loading and its errors, the event envelope and the
 * built-in event types, shared by Tether's server, SDK and app. Browser bundles that do not load
 * files can import `@tether/core/browser` instead (the same minus `loadConfig` and the XDG paths); the
 * wire contract alone, with no dependency, is `@tether/core/wire`.
 *
 * @module
 */
export * from "./browser.ts"
export * from "./config/load.ts"
export * from "./config/paths.ts"
export * from "./config/read-file.ts"
