/**
 * The one heartbeat of all streams: a single fiber that sends one `server.heartbeat` frame (encoded
 * once) to every open connection each `heartbeat_ms`. No connection has a timer of its own, so an
 * idle connection costs no CPU between ticks and a disconnect leaves no timer behind.
 *
 * The interval is read from the live config before every wait, and a config change wakes the wait:
 * the next tick is re-planned from the last one with the new interval (10000 → 1000 ticks at once
 * when a second has already passed), so open streams follow a change without reconnecting.
 *
 * @module
 */
import { EventType } from "@tether/core"
import { Clock, Effect, Stream } from "effect"
import type { LiveConfigShape } from "../config/live-config.ts"
import { ephemeralFrame } from "./frame.ts"

/** Where the heartbeat goes. */
export interface HeartbeatTarget {
  readonly broadcastEphemeral: (frame: Uint8Array) => void
}

/**
 * Runs forever (interrupt it to stop). Uses Effect's `Clock`, so `TestClock` drives it in tests.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { Effect } from "effect"
 * import { makeLiveConfig } from "../config/live-config.ts"
 * import { runHeartbeat } from "./heartbeat.ts"
 *
 * const fiber = Effect.runFork(runHeartbeat(makeLiveConfig(defaultConfig(), null), { broadcastEphemeral: () => {} }))
 * ```
 */
export const runHeartbeat = (config: LiveConfigShape, target: HeartbeatTarget): Effect.Effect<never> =>
  Effect.gen(function* () {
    let last = yield* Clock.currentTimeMillis
    while (true) {
      const interval = config.current().server.event_stream.heartbeat_ms
      const now = yield* Clock.currentTimeMillis
      const wait = Math.max(0, last + interval - now)
      const woke = yield* Effect.raceFirst(
        Effect.as(Effect.sleep(wait), "tick" as const),
        Effect.as(heartbeatChanged(config, interval), "changed" as const),
      )
      if (woke === "changed") continue
      last = yield* Clock.currentTimeMillis
      target.broadcastEphemeral(ephemeralFrame(EventType.Heartbeat, { heartbeat_ms: interval }, last))
    }
  })

/** Completes when `heartbeat_ms` differs from `interval` (also when it already does). */
const heartbeatChanged = (config: LiveConfigShape, interval: number): Effect.Effect<void> =>
  config.changes.pipe(
    Stream.filter((next) => next.server.event_stream.heartbeat_ms !== interval),
    Stream.runHead,
    Effect.asVoid,
  )
