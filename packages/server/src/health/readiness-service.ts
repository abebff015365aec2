/**
 * The readiness service of a running server: the checks of `readiness.ts` wired to the real event
 * bus, event log and a continuous event-loop lag monitor.
 *
 * Design of the probes (why nothing reaches clients): the `store` check is `EventLog.probe`, one real
 * write on the log's own connection that mints no event id, so retention and replay never see it
 * (a durable probe event per poll would push real events out of retention within hours). The `bus`
 * check sends a nonce through `EventBus.probe`: the same publish permit and delivery gate as every
 * event, delivered only to the bus's probe listeners (this service), never to the stream hub.
 *
 * @module
 */
import { Context, Effect, Layer } from "effect"
import { EventBus } from "../event/bus.ts"
import { EventLog } from "../event/log.ts"
import { startLoopLagMonitor } from "./loop-lag.ts"
import { makeReadiness, type ReadinessChecker, type ReadinessOptions } from "./readiness.ts"

/**
 * The readiness service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Readiness } from "./readiness-service.ts"
 *
 * const isReady = Effect.gen(function* () {
 *   const readiness = yield* Readiness
 *   return (yield* Effect.promise(() => readiness.check())).ready
 * })
 * ```
 */
export class Readiness extends Context.Service<Readiness, ReadinessChecker>()("@tether/server/Readiness") {
  /** Readiness with the default deadline (1000 ms) and lag threshold (500 ms). */
  static readonly layer: Layer.Layer<Readiness, never, EventBus | EventLog> = Layer.effect(
    Readiness,
    Effect.suspend(() => makeService({})),
  )

  /** Readiness with other limits. */
  static readonly layerWith = (
    options: ReadinessOptions,
  ): Layer.Layer<Readiness, never, EventBus | EventLog> =>
    Layer.effect(
      Readiness,
      Effect.suspend(() => makeService(options)),
    )
}

const makeService = Effect.fnUntraced(function* (options: ReadinessOptions) {
  const bus = yield* EventBus
  const log = yield* EventLog
  const monitor = startLoopLagMonitor()
  yield* Effect.addFinalizer(() => Effect.sync(() => monitor.stop()))
  return makeReadiness(
    {
      busRoundTrip: (signal) =>
        new Promise<void>((resolve, reject) => {
          const nonce = crypto.randomUUID()
          const off = bus.onProbe((seen) => {
            if (seen !== nonce) return
            off()
            resolve()
          })
          signal.addEventListener("abort", off, { once: true })
          Effect.runPromise(bus.probe(nonce), { signal }).catch((error: unknown) => {
            off()
            if (!signal.aborted) reject(error)
          })
        }),
      storeWrite: (signal) => Effect.runPromise(log.probe, { signal }),
      lagMs: monitor.lagMs,
    },
    options,
  )
})
