/**
 * The `/global/*` JSON endpoints: health, the effective config, publish.
 *
 * @module
 */
import type { HealthResponse } from "@tether/core"
import { Effect } from "effect"
import { EventInvalid } from "../../event/errors.ts"
import { MAX_EVENT_BYTES } from "../../event/publish-input.ts"
import { VERSION } from "../../version.ts"
import { HttpError, readBodyText } from "../access.ts"
import type { Handler } from "../context.ts"
import { errorFrom, errorResponse, json } from "../json.ts"

/** `GET /global/health`: liveness, the process answers. */
export const health: Handler = () => json({ healthy: true, version: VERSION } satisfies HealthResponse)

/** `GET /global/config`: the effective config. */
export const getConfig: Handler = (_request, { config }) => json(config.current())

/** A publish body may carry the event's JSON plus a little envelope; anything far bigger is refused unread. */
const MAX_BODY_BYTES = 2 * MAX_EVENT_BYTES

/** `POST /global/event` `{type, properties?}` → 202 `{id}`. */
export const publishEvent: Handler = async (request, { bus }) => {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN)
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    return errorResponse(
      400,
      "EventInvalid",
      `The body is ${declared} bytes, over the limit of ${MAX_BODY_BYTES} bytes`,
    )
  }
  // Read within the limit as it arrives: a chunked body that never ends is refused after the limit,
  // not buffered whole (Bun's own cap is far above it, see server.ts).
  let text: string
  try {
    text = await readBodyText(request, MAX_BODY_BYTES)
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    return errorResponse(
      400,
      "EventInvalid",
      error.name === "PayloadTooLarge"
        ? `The body is over the limit of ${MAX_BODY_BYTES} bytes`
        : error.name === "MalformedJson"
          ? `The body is not valid UTF-8; expected JSON {"type": string, "properties"?: object}`
          : error.message,
    )
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return errorResponse(
      400,
      "EventInvalid",
      `The body is not valid JSON (${reason}); expected {"type": string, "properties"?: object}`,
    )
  }
  const result = await Effect.runPromise(Effect.result(bus.publish(body)))
  if (result._tag === "Success") return json({ id: result.success.id }, 202)
  const error = result.failure
  if (error instanceof EventInvalid) return errorFrom(400, error)
  // Logged and counted by the instrumented event log (observability/instrumented-log.ts).
  return errorResponse(503, "EventLogError", error.message)
}
