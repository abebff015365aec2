import { describe, expect, test } from "bun:test"
import { defaultConfig } from "@tether/core"
import { Effect, Layer } from "effect"
import { LiveConfig } from "../config/live-config.ts"
import { durableFrame } from "../stream/frame.ts"
import { EventBus, type PublishedEvent } from "./bus.ts"
import { EventInvalid } from "./errors.ts"
import { EventLog } from "./log.ts"

const layer = EventBus.layer.pipe(
  Layer.provideMerge(Layer.merge(EventLog.layerTest, LiveConfig.layerOf(defaultConfig(), null))),
)
const run = <A, E>(effect: Effect.Effect<A, E, EventBus | EventLog>) =>
  Effect.runPromise(Effect.provide(effect, layer))

describe("EventBus", () => {
  test("stores, then hands every listener the event with its frame, in id order", async () => {
    const seen: PublishedEvent[] = []
    const stored = await run(
      Effect.gen(function* () {
        const bus = yield* EventBus
        const log = yield* EventLog
        bus.subscribe((event) => seen.push(event))
        yield* Effect.all(
          Array.from({ length: 20 }, (_, n) => bus.publish({ type: "t", properties: { n } })),
          { concurrency: "unbounded" },
        )
        return yield* log.readAfter("0000000000000000", 100)
      }),
    )
    expect(seen.map((event) => event.id)).toEqual(stored.map((event) => event.id))
    expect([...seen.map((event) => event.id)].sort()).toEqual(seen.map((event) => event.id))
    const first = seen[0] as PublishedEvent
    expect(new TextDecoder().decode(durableFrame(first.id, first.type, first.properties, first.time))).toBe(
      `id: ${first.id}\ndata: {"id":"${first.id}","type":"t","properties":${first.properties},"time":${first.time}}\n\n`,
    )
  })

  test("a refused publish fails with EventInvalid and neither stores nor delivers anything", async () => {
    const seen: PublishedEvent[] = []
    const [error, oldest] = await run(
      Effect.gen(function* () {
        const bus = yield* EventBus
        const log = yield* EventLog
        bus.subscribe((event) => seen.push(event))
        const error = yield* Effect.flip(bus.publish({ type: "t", properties: { n: 1n } }))
        return [error, yield* log.oldest] as const
      }),
    )
    expect(error).toBeInstanceOf(EventInvalid)
    expect(error.message).toMatch(/BigInt/)
    // Nothing stored: the log has no oldest event.
    expect(oldest).toBeNull()
    expect(seen).toEqual([])
  })

  test("a listener that throws does not keep the others from the event", async () => {
    const seen: string[] = []
    await run(
      Effect.gen(function* () {
        const bus = yield* EventBus
        bus.subscribe(() => {
          throw new Error("boom")
        })
        bus.subscribe((event) => seen.push(event.id))
        const original = console.error
        console.error = () => {}
        yield* Effect.ensuring(
          bus.publish({ type: "t" }),
          Effect.sync(() => {
            console.error = original
          }),
        )
      }),
    )
    expect(seen).toHaveLength(1)
  })
})
