/**
 * `GET /global/health/ready`: 200 when the server can do its work, 503 naming the failed check and
 * its figure (see `health/readiness.ts`). `GET /global/health` stays the cheap liveness answer.
 *
 * @module
 */
import { readinessResponse } from "../../health/readiness.ts"
import type { Handler } from "../context.ts"

/** The handler; `readiness` comes from the server's services. */
export const readyRoute: Handler = async (_request, { readiness }) =>
  readinessResponse(await readiness.check())
