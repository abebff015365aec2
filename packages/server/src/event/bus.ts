/**
 * The event bus: publish = check, serialise once, store durably, hand the stored event to every
 * listener (the event streams are one, and encode its SSE frame once for all their connections;
 * readiness probes are others).
 *
 * Who delivers depends on the log: an embedded log (SQLite, memory) is this process's alone, so the
 * bus delivers each event right after its append. A shared log (Redis) is read back by this
 * instance's follower (`EventLogShape.follow`), which delivers every instance's events, this one's
 * included, in the log's order; the publish then only stores.
 *
 * @module
 */
import { Context, Effect, Layer, Semaphore } from "effect"
import { LiveConfig } from "../config/live-config.ts"
import { EventInvalid } from "./errors.ts"
import { EventLog, type EventLogError, type LoggedEvent } from "./log.ts"
import { maxEventBytes, type PrepareOptions, prepareEvent } from "./publish-input.ts"

/** A published event: stored, as the log returned it (its properties as JSON text). */
export type PublishedEvent = LoggedEvent

/** A listener sees every published event, in id order, synchronously after it is stored. */
export type BusListener = (event: PublishedEvent) => void

/** What `EventBus` offers. */
export interface EventBusShape {
  /**
   * Publishes `{type, properties?}`: refused with `EventInvalid` (nothing stored) or stored durably
   * and then delivered. Resolves once the event is in the log.
   */
  readonly publish: (input: unknown) => Effect.Effect<PublishedEvent, EventInvalid | EventLogError>
  /**
   * Publishes one of the server's own durable events (`config.updated`), whose types `publish` refuses
   * so that no publisher can forge them. Otherwise the same as `publish`.
   */
  readonly announce: (input: {
    readonly type: string
    readonly properties: object
  }) => Effect.Effect<PublishedEvent, EventInvalid | EventLogError>
  /** Adds a listener; returns the function that removes it. */
  readonly subscribe: (listener: BusListener) => () => void
  /**
   * Readiness: passes `nonce` through the delivery step (the same publish permit and the same gate as
   * events) to the `onProbe` listeners only. Never stored, never sent to clients.
   */
  readonly probe: (nonce: string) => Effect.Effect<void, EventLogError>
  /** Adds a probe listener (readiness); returns the function that removes it. */
  readonly onProbe: (listener: (nonce: string) => void) => () => void
  /**
   * Adds a listener told when delivery lost its place in a shared log (see `LogFollower.lost`): every
   * open stream must resume from its last id. Never called for an embedded log.
   */
  readonly onLost: (
    listener: (reason: string, unaffected: (lastId: string | null) => boolean) => void,
  ) => () => void
}

/**
 * The event bus service.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { Effect, Layer } from "effect"
 * import { LiveConfig } from "../config/live-config.ts"
 * import { EventBus } from "./bus.ts"
 * import { EventLog } from "./log.ts"
 *
 * const layer = EventBus.layer.pipe(
 *   Layer.provide(Layer.merge(EventLog.layerMemory, LiveConfig.layerOf(defaultConfig(), null))),
 * )
 * const program = Effect.gen(function* () {
 *   const bus = yield* EventBus
 *   return (yield* bus.publish({ type: "demo", properties: { n: 1 } })).id
 * })
 * Effect.runPromise(program.pipe(Effect.provide(layer))).then(console.log) // e.g. 1795651200000001 (a new log starts after its creation time)
 * ```
 */
export class EventBus extends Context.Service<EventBus, EventBusShape>()("@tether/server/EventBus") {
  static readonly layer: Layer.Layer<EventBus, never, EventLog | LiveConfig> = Layer.effect(
    EventBus,
    Effect.gen(function* () {
      const log = yield* EventLog
      const config = yield* LiveConfig
      const listeners = new Set<BusListener>()
      // Store-then-deliver must not interleave between two publishes, or a backend with async
      // appends could deliver ids out of order. With SQLite the section is synchronous anyway.
      const order = Semaphore.makeUnsafe(1)

      const probeListeners = new Set<(nonce: string) => void>()

      const lostListeners = new Set<
        (reason: string, unaffected: (lastId: string | null) => boolean) => void
      >()
      const notify = (event: PublishedEvent) => {
        for (const listener of listeners) {
          try {
            listener(event)
          } catch (error) {
            console.error("tether: an event listener failed:", error)
          }
        }
      }

      // A shared log delivers through its follower: every event, in the log's order.
      const following = log.follow?.({
        events: (batch) => {
          for (const event of batch) notify(event)
        },
        lost: (reason, unaffected) => {
          for (const listener of lostListeners) listener(reason, unaffected)
        },
      })
      if (following !== undefined) yield* Effect.addFinalizer(() => Effect.sync(following.stop))

      const publishAs = Effect.fn("EventBus.publish")(function* (input: unknown, options: PrepareOptions) {
        const limit = maxEventBytes(config.current().server.event_stream.max_buffered_bytes)
        const prepared = yield* Effect.try({
          try: () => prepareEvent(input, limit, options),
          catch: (error) =>
            error instanceof EventInvalid ? error : new EventInvalid({ message: String(error) }),
        })
        if (following !== undefined) {
          // Stored means delivered by the follower; the log's script orders concurrent appends.
          const stored = yield* log.append({
            type: prepared.type,
            time: Date.now(),
            properties: prepared.properties,
          })
          return stored
        }
        return yield* order.withPermit(
          Effect.gen(function* () {
            const stored = yield* log.append({
              type: prepared.type,
              time: Date.now(),
              properties: prepared.properties,
            })
            notify(stored)
            return stored
          }),
        )
      })

      return EventBus.of({
        publish: (input) => publishAs(input, {}),
        announce: (input) => publishAs(input, { builtin: true }),
        subscribe: (listener) => {
          listeners.add(listener)
          return () => {
            listeners.delete(listener)
          }
        },
        // With a follower the probe waits until it has read everything stored so far: the round trip
        // then covers the shared log's delivery path, not only this process.
        probe: (nonce) => {
          const deliver = Effect.sync(() => {
            for (const listener of probeListeners) listener(nonce)
          })
          return following === undefined
            ? order.withPermit(deliver)
            : Effect.andThen(following.caughtUp, deliver)
        },
        onProbe: (listener) => {
          probeListeners.add(listener)
          return () => {
            probeListeners.delete(listener)
          }
        },
        onLost: (listener) => {
          lostListeners.add(listener)
          return () => {
            lostListeners.delete(listener)
          }
        },
      })
    }),
  )
}
