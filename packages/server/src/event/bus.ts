/**
 * The event bus: publish = check, serialise once, store durably, encode the frame once, hand it to
 * every listener (the stream hub is one; readiness probes are others).
 *
 * @module
 */
import { Context, Effect, Layer, Semaphore } from "effect"
import { LiveConfig } from "../config/service.ts"
import { durableFrame } from "../stream/frame.ts"
import { EventInvalid } from "./errors.ts"
import { EventLog, type EventLogError } from "./log.ts"
import { maxEventBytes, type PrepareOptions, prepareEvent } from "./publish-input.ts"

/** A stored event, ready to send: `frame` is its complete SSE frame, shared by every connection. */
export interface PublishedEvent {
  readonly id: string
  readonly type: string
  readonly time: number
  /** The properties as JSON text. */
  readonly properties: string
  readonly frame: Uint8Array
}

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
  readonly probe: (nonce: string) => Effect.Effect<void>
  /** Adds a probe listener (readiness); returns the function that removes it. */
  readonly onProbe: (listener: (nonce: string) => void) => () => void
}

/**
 * The event bus service.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { Effect, Layer } from "effect"
 * import { LiveConfig } from "../config/service.ts"
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

      const notify = (event: PublishedEvent) => {
        for (const listener of listeners) {
          try {
            listener(event)
          } catch (error) {
            console.error("tether: an event listener failed:", error)
          }
        }
      }

      const publishAs = Effect.fn("EventBus.publish")(function* (input: unknown, options: PrepareOptions) {
        const limit = maxEventBytes(config.current().server.event_stream.max_buffered_bytes)
        const prepared = yield* Effect.try({
          try: () => prepareEvent(input, limit, options),
          catch: (error) =>
            error instanceof EventInvalid ? error : new EventInvalid({ message: String(error) }),
        })
        return yield* order.withPermit(
          Effect.gen(function* () {
            const stored = yield* log.append({
              type: prepared.type,
              time: Date.now(),
              properties: prepared.properties,
            })
            const event: PublishedEvent = {
              ...stored,
              frame: durableFrame(stored.id, stored.type, stored.properties, stored.time),
            }
            notify(event)
            return event
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
        probe: (nonce) =>
          order.withPermit(
            Effect.sync(() => {
              for (const listener of probeListeners) listener(nonce)
            }),
          ),
        onProbe: (listener) => {
          probeListeners.add(listener)
          return () => {
            probeListeners.delete(listener)
          }
        },
      })
    }),
  )
}
