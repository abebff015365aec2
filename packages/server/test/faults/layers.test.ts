import { describe, expect, test } from "bun:test"
import { defaultConfig } from "@tether/core"
import { Effect, Layer } from "effect"
import { appLayer } from "../../src/app-layer.ts"
import { EventBus } from "../../src/event/bus.ts"
import { EventLog, type EventLogError } from "../../src/event/log.ts"
import { makeMemoryLog } from "../../src/event/memory-log.ts"
import { makeTelemetry } from "../../src/observability/telemetry.ts"
import { failingLog, faultLayers } from "./layers.ts"
import { createFaultSwitch } from "./switch.ts"

const switchFor = (fault: string) => createFaultSwitch({ TETHER_TEST_FAULT: fault })

// A whole server on the memory log and port 0, built with the fault layers, as the test entry does.
const server = (fault: string) =>
  appLayer({
    config: { ...defaultConfig(), server: { ...defaultConfig().server, port: 0 } },
    configPath: null,
    dataDir: "/nonexistent",
    eventLog: "memory",
    appDir: null,
    telemetry: makeTelemetry({ eventLog: "memory", level: "error", write: () => {} }),
    decorate: faultLayers(switchFor(fault)),
  })

const run = <A, E>(fault: string, effect: Effect.Effect<A, E, EventBus | EventLog>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, Layer.fresh(server(fault)))))

describe("fault layers", () => {
  test("store-fail: appends and probes fail, naming the fault; reads still work", async () => {
    const log = failingLog(makeMemoryLog(), switchFor("store-fail"))
    const append = await Effect.runPromise(Effect.flip(log.append({ type: "t", time: 1, properties: "{}" })))
    expect(append.message).toBe("Event log append failed (memory): TEST FAULT store-fail")
    expect((await Effect.runPromise(Effect.flip(log.probe))).message).toContain("TEST FAULT store-fail")
    expect(await Effect.runPromise(log.oldest)).toBeNull()
  })

  test("read-fail: resume, replay pages, newest and oldest fail; appends still work", async () => {
    const log = failingLog(makeMemoryLog(), switchFor("read-fail"))
    const stored = await Effect.runPromise(log.append({ type: "t", time: 1, properties: "{}" }))
    const reads: Effect.Effect<unknown, EventLogError>[] = [
      log.resume(stored.id),
      log.readAfter(stored.id, 10),
      log.newest,
      log.oldest,
    ]
    for (const read of reads) {
      expect((await Effect.runPromise(Effect.flip(read))).message).toContain("TEST FAULT read-fail")
    }
    await Effect.runPromise(log.probe)
  })

  test("stall-bus, in a server built with the layers: stored and acknowledged, but no listener sees it", async () => {
    const [seen, probes, stored] = await run(
      "stall-bus",
      Effect.gen(function* () {
        const bus = yield* EventBus
        const log = yield* EventLog
        const seen: string[] = []
        const probes: string[] = []
        bus.subscribe((event) => seen.push(event.id))
        bus.onProbe((nonce) => probes.push(nonce))
        const published = yield* bus.publish({ type: "t.stalled" })
        yield* bus.probe("nonce")
        return [seen, probes, (yield* log.oldest) === published.id] as const
      }),
    )
    expect(seen).toEqual([])
    expect(probes).toEqual([])
    expect(stored).toBe(true)
  })

  test("the same server without a fault delivers both", async () => {
    const [seen, probes] = await run(
      "stall-bus@600000",
      Effect.gen(function* () {
        const bus = yield* EventBus
        const seen: string[] = []
        const probes: string[] = []
        bus.subscribe((event) => seen.push(event.type))
        bus.onProbe((nonce) => probes.push(nonce))
        yield* bus.publish({ type: "t.delivered" })
        yield* bus.probe("nonce")
        return [seen, probes] as const
      }),
    )
    expect(seen).toEqual(["t.delivered"])
    expect(probes).toEqual(["nonce"])
  })
})
