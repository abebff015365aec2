/**
 * What every request handler and middleware receives: the request's parsed URL, the Bun server, and
 * the server's services as plain objects (their methods need no Effect context).
 *
 * @module
 */
import type { Server } from "bun"
import type { LiveConfigShape } from "../config/service.ts"
import type { ConfigFile } from "../config/watch.ts"
import type { EventBusShape } from "../event/bus.ts"
import type { EventLogShape } from "../event/log.ts"
import type { ReadinessChecker } from "../health/readiness.ts"
import type { TelemetryShape } from "../observability/telemetry.ts"
import type { EventStreamsShape } from "../stream/service.ts"

/** The server's services, resolved once when the server starts. */
export interface AppServices {
  readonly config: LiveConfigShape
  readonly bus: EventBusShape
  readonly log: EventLogShape
  readonly streams: EventStreamsShape
  /** `GET /global/health/ready`'s checks. */
  readonly readiness: ReadinessChecker
  /** The config file in use and its watcher (`PATCH /global/config`). */
  readonly configFile: ConfigFile
  /** The built app's directory (`packages/app/dist`), or `null` when it cannot be found. */
  readonly appDir: string | null
  /** The server's log and metrics (`GET /global/metrics`). */
  readonly telemetry: TelemetryShape
}

/** Per request. */
export interface RequestContext extends AppServices {
  readonly url: URL
  readonly server: Server<undefined>
}

/** A route handler: decode the request, call a service, encode the answer. */
export type Handler = (request: Request, context: RequestContext) => Response | Promise<Response>

/**
 * A step of the request pipeline (access checks, CORS): answer early, or call `next` and maybe
 * decorate its response.
 */
export type Middleware = (
  request: Request,
  context: RequestContext,
  next: () => Promise<Response>,
) => Response | Promise<Response>
