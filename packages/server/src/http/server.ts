/**
 * `Bun.serve` at the edge, in a scoped `make`: the server starts when the layer is built, and when
 * its scope closes every stream is ended (clients see a normal end and resume elsewhere or later)
 * and the listener stops. The event log closes after it (it is a dependency, released later), so
 * every acknowledged event is on disk before the process exits.
 *
 * @module
 */
import type { Server } from "bun"
import { Context, Data, Effect, Layer } from "effect"
import { bindRefusal, PASSWORD_ENV, passwordRefusal } from "../config/bind-policy.ts"
import { ConfigFile } from "../config/config-file.ts"
import { LiveConfig } from "../config/live-config.ts"
import { EventBus } from "../event/bus.ts"
import { EventLog } from "../event/log.ts"
import { Readiness } from "../health/readiness-service.ts"
import { Telemetry } from "../observability/telemetry.ts"
import { EventStreams } from "../stream/event-streams.ts"
import { accessMiddleware, createAccess, NO_HOST_MESSAGE } from "./access.ts"
import type { AppServices, Middleware, RequestContext } from "./context.ts"
import { errorResponse } from "./json.ts"
import { streamRefusalMiddleware } from "./metrics-hooks.ts"
import { composePipeline } from "./pipeline.ts"
import { makeRouter } from "./router.ts"
import { routes } from "./routes.ts"
import { resolveAppDir } from "./static.ts"

/** Where to listen. */
export interface ListenOptions {
  readonly port: number
  readonly hostname: string
  /** The built app's directory; default: found through `@tether/app`. `null` serves no app. */
  readonly appDir?: string | null | undefined
}

/** The running server. */
export interface HttpServerShape {
  /** `http://HOST:PORT`, as printed by `tether serve`. */
  readonly url: string
  readonly hostname: string
  /** The bound port (the real one when 0 was asked). */
  readonly port: number
  readonly server: Server<undefined>
}

/** The port is taken, the address cannot be bound, or the like. */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** How long a graceful stop may wait for in-flight requests before connections are cut. */
const STOP_GRACE_MS = 3000

/**
 * The HTTP server service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpServer } from "./server.ts"
 *
 * const printUrl = Effect.gen(function* () {
 *   const http = yield* HttpServer
 *   console.log(`tether listening on ${http.url}`)
 * })
 * ```
 */
export class HttpServer extends Context.Service<HttpServer, HttpServerShape>()("@tether/server/HttpServer") {
  static readonly layer = (
    options: ListenOptions,
  ): Layer.Layer<
    HttpServer,
    ListenError,
    LiveConfig | EventBus | EventLog | EventStreams | Readiness | ConfigFile
  > => Layer.effect(HttpServer, make(options))
}

const make = Effect.fnUntraced(function* (options: ListenOptions) {
  const services: AppServices = {
    config: yield* LiveConfig,
    bus: yield* EventBus,
    log: yield* EventLog,
    streams: yield* EventStreams,
    readiness: yield* Readiness,
    configFile: yield* ConfigFile,
    appDir: options.appDir === undefined ? resolveAppDir() : options.appDir,
    telemetry: yield* Telemetry,
  }
  // The request pipeline, in order; access control goes first.
  const password = process.env[PASSWORD_ENV]
  const refusal = passwordRefusal(password) ?? bindRefusal(options.hostname, password)
  if (refusal !== null) return yield* new ListenError({ message: refusal })
  let bound = { hostname: options.hostname, port: options.port }
  const middleware: Middleware[] = [
    streamRefusalMiddleware(services.telemetry.metrics),
    accessMiddleware(createAccess({ config: services.config.current, bound: () => bound })),
  ]
  const handle = composePipeline(middleware, makeRouter(routes))

  const server = yield* Effect.acquireRelease(
    Effect.try({
      try: () =>
        Bun.serve({
          port: options.port,
          hostname: options.hostname,
          // Bun answers a bare 413 itself past this, before our routes could answer with the contract's
          // 400 and a message; the access check refuses anything over 1 MiB from its Content-Length
          // (or after 1 MiB of a chunked body), so this cap only has to sit well above that.
          maxRequestBodySize: 1024 * 1024 * 1024,
          fetch: (request, server) => {
            // Bun builds the URL from the Host header: a Host that is no valid authority
            // (`localhost:abc`) has no URL at all. It is no name we serve either, so it gets the same
            // 403 as a forged Host, before any route (or the 500 handler, and its log line) sees it.
            const url = URL.parse(request.url)
            if (url === null) return badHost(request)
            const context: RequestContext = { ...services, url, server }
            return handle(request, context)
          },
          error: (error) => {
            services.telemetry.log.error(`request failed: ${error.message}`)
            return errorResponse(500, "InternalError", error.message)
          },
        }),
      catch: (cause) =>
        new ListenError({
          message: `Cannot listen on ${formatUrl(options.hostname, options.port)}: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause,
        }),
    }),
    (server) =>
      Effect.promise(async () => {
        services.streams.closeAll()
        const stopped = server.stop(false)
        const timedOut = await Promise.race([
          stopped.then(() => false),
          Bun.sleep(STOP_GRACE_MS).then(() => true),
        ])
        if (timedOut) await server.stop(true)
      }),
  )
  const port = server.port ?? options.port
  bound = { hostname: options.hostname, port }
  // `--port 0` asked for any port; the effective config (GET /global/config, PATCH answers,
  // config.updated) reports the one taken, since that is what clients must use.
  const current = services.config.current()
  if (current.server.port !== port) {
    yield* services.config.set({ ...current, server: { ...current.server, port } })
  }
  return HttpServer.of({ url: formatUrl(options.hostname, port), hostname: options.hostname, port, server })
})

const badHost = (request: Request): Response => {
  const host = request.headers.get("host")
  return errorResponse(
    403,
    "HostNotAllowed",
    host === null || host === ""
      ? NO_HOST_MESSAGE
      : `Host ${JSON.stringify(host)} is not a valid host name; ` +
          `use the bound address or a loopback name, with a numeric port.`,
  )
}

/** `http://HOST:PORT`, bracketing IPv6 literals. */
export const formatUrl = (hostname: string, port: number): string =>
  `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`
