/**
 * The one error a request handler throws to answer with a status and the API's error body.
 *
 * @module
 */
import { errorResponse } from "./json.ts"

/** An error that maps to an HTTP status, with the API's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    override readonly name: string,
    message: string,
  ) {
    super(message)
  }

  /** The response `{"error":{"name","message"}}` with this status. */
  toResponse(): Response {
    return errorResponse(this.status, this.name, this.message)
  }
}
