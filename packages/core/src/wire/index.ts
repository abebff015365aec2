/**
 * `@tether/core/wire`: the wire contract of Tether's HTTP API and event stream, in one place: the
 * envelope, the built-in event types and their properties, the config as the API carries it, the
 * response bodies, and the stream's timing (heartbeat range, default `retry:`, stale factor).
 *
 * Dependency-free on purpose: no zod, no `node:` module. The server and the app import it from here,
 * core's zod schema `satisfies` its config types, and `@tether/sdk` compiles it into its own `dist/`
 * at build time, so the published SDK stays free of runtime dependencies.
 *
 * @module
 */
export * from "./config.ts"
export * from "./envelope.ts"
export * from "./events.ts"
export * from "./http.ts"
export * from "./timing.ts"
