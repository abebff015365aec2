/**
 * The wire types and constants of Tether's HTTP API and event stream, as the SDK exports them. Their one
 * home is `@tether/core/wire` (dependency-free); the build (`scripts/build.ts`) compiles that module
 * into `dist/wire/` and points this file there, so the published SDK depends on nothing.
 *
 * @module
 */
export * from "@tether/core/wire"
