/**
 * The faults of the server's test entry point, as decorators of the services they break: a log whose
 * writes or reads fail, a bus that stops delivering, a loop blocker that runs beside the server. The
 * shipped services carry no trace of them; `entry.ts` hands them to the CLI's `decorate` seam.
 *
 * @module
 */
import { Effect, Layer } from "effect"
import type { ServerDecorators } from "../../src/app-layer.ts"
import type { EventBusShape } from "../../src/event/bus.ts"
import { EventLogError, type EventLogShape } from "../../src/event/log.ts"
import type { FaultKind, FaultSwitch } from "./switch.ts"

/**
 * Every fault of `faults`, as the decorators a server is built with.
 *
 * @example
 * ```ts
 * import { runCli } from "../../src/cli/run-cli.ts"
 * import { faultLayers } from "./layers.ts"
 * import { createFaultSwitch } from "./switch.ts"
 * runCli(["serve", "--port", "0"], faultLayers(createFaultSwitch({ TETHER_TEST_FAULT: "store-fail" })))
 * ```
 */
export const faultLayers = (faults: FaultSwitch): ServerDecorators => ({
  eventLog: (log) => failingLog(log, faults),
  eventBus: (bus) => stallingBus(bus, faults),
  // Started with the server and stopped with it, so a server that shuts down does exit.
  alongside: Layer.effectDiscard(
    Effect.acquireRelease(
      Effect.sync(() => faults.start()),
      () => Effect.sync(() => faults.stop()),
    ),
  ),
})

/**
 * `log`, whose appends and probe writes fail once `store-fail` triggers, and whose reads (resume,
 * replay pages, newest, oldest) fail once `read-fail` does. Retention's trim is left alone.
 *
 * @example
 * ```ts
 * import { makeMemoryLog } from "../../src/event/memory-log.ts"
 * import { failingLog } from "./layers.ts"
 * import { createFaultSwitch } from "./switch.ts"
 * const log = failingLog(makeMemoryLog(), createFaultSwitch({ TETHER_TEST_FAULT: "read-fail" }))
 * ```
 */
export const failingLog = (log: EventLogShape, faults: FaultSwitch): EventLogShape => {
  const fault = (kind: FaultKind, operation: string): Effect.Effect<void, EventLogError> =>
    Effect.suspend(() =>
      faults.active(kind)
        ? Effect.fail(
            new EventLogError({ message: `Event log ${operation} failed (${log.kind}): TEST FAULT ${kind}` }),
          )
        : Effect.void,
    )
  return {
    ...log,
    append: (event) => Effect.andThen(fault("store-fail", "append"), log.append(event)),
    probe: Effect.andThen(fault("store-fail", "probe write"), log.probe),
    resume: (requested) => Effect.andThen(fault("read-fail", "resume"), log.resume(requested)),
    readAfter: (after, limit) => Effect.andThen(fault("read-fail", "read"), log.readAfter(after, limit)),
    newest: Effect.andThen(fault("read-fail", "read"), log.newest),
    oldest: Effect.andThen(fault("read-fail", "read"), log.oldest),
  }
}

/**
 * `bus`, which stops delivering once `stall-bus` triggers: events are still stored and acknowledged,
 * but no subscriber (the streams) and no probe listener (readiness) sees them any more.
 *
 * @example
 * ```ts
 * import { stallingBus } from "./layers.ts"
 * import { createFaultSwitch } from "./switch.ts"
 * declare const bus: import("../../src/event/bus.ts").EventBusShape
 * const stalled = stallingBus(bus, createFaultSwitch({ TETHER_TEST_FAULT: "stall-bus@2500" }))
 * ```
 */
export const stallingBus = (bus: EventBusShape, faults: FaultSwitch): EventBusShape => ({
  ...bus,
  subscribe: (listener) =>
    bus.subscribe((event) => {
      if (!faults.active("stall-bus")) listener(event)
    }),
  onProbe: (listener) =>
    bus.onProbe((nonce) => {
      if (!faults.active("stall-bus")) listener(nonce)
    }),
})
