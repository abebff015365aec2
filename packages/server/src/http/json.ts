/**
 * JSON responses and the API's error shape `{"error":{"name","message"}}`: every error body the server
 * sends is made here, so the shape is written once.
 *
 * @module
 */

/** A JSON response. */
export const json = (body: unknown, status = 200, headers?: HeadersInit): Response =>
  Response.json(body, { status, headers })

/**
 * An error response: `{"error":{"name","message", …extra}}`.
 *
 * @example
 * ```ts
 * import { errorResponse } from "./json.ts"
 * errorResponse(404, "NotFound", "No route for GET /nope")
 * ```
 */
export const errorResponse = (
  status: number,
  name: string,
  message: string,
  extra?: Record<string, unknown>,
  headers?: HeadersInit,
): Response => json({ error: { name, message, ...extra } }, status, headers)

/** An error whose `toJSON()` is already the API's error body (ConfigInvalid, EventInvalid). */
export const errorFrom = (status: number, error: { toJSON(): Record<string, unknown> }): Response =>
  json({ error: error.toJSON() }, status)
