/**
 * The package version, reported by `GET /global/health` and `tether --version`.
 *
 * @module
 */
import pkg from "../package.json" with { type: "json" }

/** `@tether/server`'s version, e.g. `0.1.0`. */
export const VERSION: string = pkg.version
