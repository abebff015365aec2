/**
 * The live config: the effective `Config` now, the file it came from, and a way to replace it and be
 * told. Everything that must follow a change without a restart (the heartbeat cadence, retention, the
 * slow-client bound, access rules) reads `current()` at the moment it acts instead of keeping a copy;
 * what must wake on a change (the heartbeat) follows `changes`. Both are Effect's `SubscriptionRef`.
 *
 * @module
 */
import type { Config } from "@tether/core"
import { Context, Effect, Layer, Option, type Stream, SubscriptionRef } from "effect"

/** What `LiveConfig` offers. */
export interface LiveConfigShape {
  /** The config file in use, or `null` when running on defaults / an in-memory config. */
  readonly path: string | null
  /** The effective config right now. Cheap: read it at every use rather than caching it. */
  readonly current: () => Config
  /**
   * Replaces the config (already validated: `validateConfig` from `@tether/core`) and publishes it to
   * `changes`. Returns the dotted paths that changed, e.g. `server.event_stream.heartbeat_ms`; nothing
   * is published when none did.
   */
  readonly set: (next: Config) => Effect.Effect<readonly string[]>
  /** The config now, then every change. */
  readonly changes: Stream.Stream<Config>
}

/**
 * The live config service.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { Effect } from "effect"
 * import { LiveConfig } from "./live-config.ts"
 *
 * const program = Effect.gen(function* () {
 *   const config = yield* LiveConfig
 *   return config.current().server.event_stream.heartbeat_ms
 * })
 * Effect.runPromise(program.pipe(Effect.provide(LiveConfig.layerOf(defaultConfig(), null)))).then(console.log) // 10000
 * ```
 */
export class LiveConfig extends Context.Service<LiveConfig, LiveConfigShape>()("@tether/server/LiveConfig") {
  /** A live config starting at `initial`, loaded from `path` (or `null`). */
  static readonly layerOf = (initial: Config, path: string | null): Layer.Layer<LiveConfig> =>
    Layer.sync(LiveConfig, () => makeLiveConfig(initial, path))
}

/** Builds the shape without Effect's context (for embedding and unit tests). */
export const makeLiveConfig = (initial: Config, path: string | null): LiveConfigShape => {
  const ref = Effect.runSync(SubscriptionRef.make(initial))
  return {
    path,
    current: () => SubscriptionRef.getUnsafe(ref),
    set: (next) =>
      SubscriptionRef.modifySome(ref, (config) => {
        const changed = diffPaths(config, next)
        return [changed, changed.length === 0 ? Option.none() : Option.some(next)]
      }),
    changes: SubscriptionRef.changes(ref),
  }
}

/**
 * The dotted paths of the leaves that differ between two configs. Arrays are leaves (compared whole).
 *
 * @example
 * ```ts
 * import { diffPaths } from "./live-config.ts"
 * diffPaths({ a: { b: 1, c: [1] } }, { a: { b: 2, c: [1] } }) // ["a.b"]
 * ```
 */
export const diffPaths = (before: unknown, after: unknown, prefix = ""): string[] => {
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)])
    return [...keys].flatMap((key) =>
      diffPaths(before[key], after[key], prefix === "" ? key : `${prefix}.${key}`),
    )
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix]
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
