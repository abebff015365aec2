import { describe, expect, test } from "bun:test"
import { defaultConfig, validateConfig } from "@tether/core"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { makeLiveConfig } from "../config/live-config.ts"
import { runHeartbeat } from "./heartbeat.ts"

const decoder = new TextDecoder()
const withHeartbeat = (ms: number) => validateConfig({ server: { event_stream: { heartbeat_ms: ms } } }, null)

/** Runs the heartbeat on the TestClock; `drive` steps time and inspects the frames sent so far. */
const run = (
  initial: number,
  drive: (frames: string[], config: ReturnType<typeof makeLiveConfig>) => Effect.Effect<void>,
) => {
  const config = makeLiveConfig(withHeartbeat(initial), null)
  const frames: string[] = []
  const program = Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(
      runHeartbeat(config, { broadcastEphemeral: (frame) => frames.push(decoder.decode(frame)) }),
    )
    yield* Effect.yieldNow
    yield* drive(frames, config)
    yield* Fiber.interrupt(fiber)
  })
  return Effect.runPromise(Effect.provide(program, TestClock.layer()))
}

describe("runHeartbeat", () => {
  test("sends one server.heartbeat per heartbeat_ms, carrying the interval", async () => {
    await run(1000, (frames) =>
      Effect.gen(function* () {
        yield* TestClock.adjust(999)
        expect(frames).toHaveLength(0)
        yield* TestClock.adjust(1)
        expect(frames).toHaveLength(1)
        yield* TestClock.adjust(4000)
        expect(frames).toHaveLength(5)
        const envelope = JSON.parse((frames[0] as string).replace(/^data: /, ""))
        expect(envelope).toMatchObject({
          id: "",
          type: "server.heartbeat",
          properties: { heartbeat_ms: 1000 },
        })
        expect(frames[0]).toMatch(/^data: \{.*\}\n\n$/)
      }),
    )
  })

  test("a shorter heartbeat_ms applies at once, re-planned from the last tick", async () => {
    await run(10_000, (frames, config) =>
      Effect.gen(function* () {
        yield* TestClock.adjust(3000)
        expect(frames).toHaveLength(0)
        // 3 s have passed since the start: with 1 s the next tick is already due.
        yield* config.set(withHeartbeat(1000))
        yield* Effect.yieldNow
        yield* TestClock.adjust(0)
        expect(frames).toHaveLength(1)
        yield* TestClock.adjust(1000)
        expect(frames).toHaveLength(2)
        expect(frames[1]).toContain('"heartbeat_ms":1000')
      }),
    )
  })

  test("a longer heartbeat_ms stretches the current wait; other config changes do not disturb it", async () => {
    await run(1000, (frames, config) =>
      Effect.gen(function* () {
        yield* TestClock.adjust(500)
        yield* config.set(withHeartbeat(5000))
        yield* config.set({
          ...config.current(),
          server: { ...config.current().server, cors: ["http://x.test"] },
        })
        yield* TestClock.adjust(4000)
        expect(frames).toHaveLength(0)
        yield* TestClock.adjust(500)
        expect(frames).toHaveLength(1)
        expect(defaultConfig().server.event_stream.heartbeat_ms).toBe(10_000)
      }),
    )
  })
})
