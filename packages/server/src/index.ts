/**
 * `@tether/server`: the Tether HTTP server (a live SSE event stream with a durable log), as a
 * library. The `tether` CLI is `src/cli/main.ts`.
 *
 * @example
 * ```ts
 * import { startServer } from "@tether/server"
 *
 * const server = await startServer({ port: 0, eventLog: "memory" })
 * await server.publish({ type: "hello", properties: { who: "world" } })
 * await server.stop()
 * ```
 *
 * @module
 */
export { type AppOptions, appLayer } from "./app-layer.ts"
export { ConfigConflict, ConfigFileConflict } from "./config/conflicts.ts"
export { type ConfigChange, LiveConfig, type LiveConfigShape } from "./config/service.ts"
export { type ConfigFile, ConfigWatch, makeConfigFile } from "./config/watch.ts"
export { type BusListener, EventBus, type EventBusShape, type PublishedEvent } from "./event/bus.ts"
export { EventInvalid } from "./event/errors.ts"
export {
  EventLog,
  EventLogError,
  type EventLogKind,
  type EventLogShape,
  type LoggedEvent,
  type ResumePoint,
} from "./event/log.ts"
export { makeReadiness, type ReadinessChecker, type ReadinessReport } from "./health/readiness.ts"
export { Readiness } from "./health/service.ts"
export { type Access, bindRefusal, createAccess } from "./http/access.ts"
export { HttpServer, type HttpServerShape, ListenError } from "./http/server.ts"
export { resolveConfig, type StartServerOptions, startServer, type TetherServer } from "./start.ts"
export { EventStreams, type EventStreamsShape } from "./stream/service.ts"
export { VERSION } from "./version.ts"
