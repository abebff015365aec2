/**
 * The route table: `"METHOD /path"` → handler. Adding an endpoint is one line here.
 *
 * @module
 */

import { readyRoute } from "../health/route.ts"
import { metricsRoute } from "../observability/http-hooks.ts"
import type { Handler } from "./context.ts"
import { patchConfig } from "./routes/config.ts"
import { eventStream } from "./routes/event-stream.ts"
import { getConfig, health, publishEvent } from "./routes/global.ts"

/** Every API route. Paths outside `/global/` fall through to the built app. */
export const routes: Record<string, Handler> = {
  "GET /global/health": health,
  "GET /global/health/ready": readyRoute,
  "GET /global/config": getConfig,
  "PATCH /global/config": patchConfig,
  "POST /global/event": publishEvent,
  "GET /global/event": eventStream,
  "GET /global/metrics": metricsRoute,
}
