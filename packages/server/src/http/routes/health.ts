/**
 * `GET /global/health/ready`: 200 when the server can do its work, 503 naming the failed check and
 * its figure (see `readiness.ts`). `GET /global/health` stays the cheap liveness answer.
 *
 * @module
 */
import type { Handler } from "../http/context.ts"
import { readinessResponse } from "./readiness.ts"

/** The handler; `readiness` comes from the server's services. */
export const readyRoute: Handler = async (_request, { readiness }) =>
  readinessResponse(await readiness.check())
