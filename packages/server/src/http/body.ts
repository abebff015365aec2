/**
 * Request bodies read within a byte limit, chunked ones included, so memory per request stays bounded.
 * Every refusal is an {@link HttpError} with the API's 400 names (`PayloadTooLarge`, `MalformedJson`,
 * `InvalidBody`); 400 rather than HTTP's 413: the API contract answers every refused body with 400 and a name.
 *
 * @module
 */
import { HttpError } from "./http-error.ts"

/** Default request body limit: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024

/**
 * Reads a JSON body within a byte limit, also when it arrives chunked without `Content-Length`.
 * Throws {@link HttpError}: 400 `PayloadTooLarge` past the limit, 400 `MalformedJson` for bytes that
 * are not UTF-8 JSON (the message carries the parser's position), 400 `InvalidBody` for an empty body.
 *
 * @example
 * ```ts
 * import { HttpError } from "./http-error.ts"
 * import { readJsonBody } from "./body.ts"
 * const handler = async (request: Request) => {
 *   try {
 *     return Response.json({ got: await readJsonBody(request, 1024) })
 *   } catch (error) {
 *     if (error instanceof HttpError) return error.toResponse()
 *     throw error
 *   }
 * }
 * ```
 */
export const readJsonBody = async (request: Request, maxBytes: number = MAX_BODY_BYTES): Promise<unknown> => {
  const text = await readBodyText(request, maxBytes)
  if (text === "")
    throw new HttpError(400, "InvalidBody", "The request body is empty; expected a JSON object.")
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(
      400,
      "MalformedJson",
      `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

/**
 * Reads a body as UTF-8 text within a byte limit, chunked bodies included: reading stops (and the
 * rest is refused unread) as soon as the limit is passed, so memory per request stays bounded
 * whatever the client keeps sending. Throws {@link HttpError}: 400 `PayloadTooLarge` past the limit,
 * 400 `MalformedJson` for bytes that are not UTF-8, 400 `InvalidBody` for a body cut off by the
 * client. An absent body is `""`.
 *
 * @example
 * ```ts
 * import { readBodyText } from "./body.ts"
 * const text = await readBodyText(new Request("http://127.0.0.1/", { method: "POST", body: "{}" }), 1024) // "{}"
 * ```
 */
export const readBodyText = async (request: Request, maxBytes: number = MAX_BODY_BYTES): Promise<string> => {
  const length = request.headers.get("content-length")
  if (length !== null && Number(length) > maxBytes) throw tooLarge(Number(length), maxBytes)
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body !== null) {
    const reader = request.body.getReader()
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (error) {
        // The client went away mid-body: an ordinary event, answered (to no one) without a 500 log.
        throw new HttpError(
          400,
          "InvalidBody",
          `The request body ended early: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
      const { done, value } = chunk
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw tooLarge(size, maxBytes, true)
      }
      chunks.push(value)
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks, size))
  } catch {
    throw new HttpError(400, "MalformedJson", "The request body is not valid UTF-8.")
  }
}

/**
 * Reads a JSON body that must be an object (not an array, string or `null`); else 400 `InvalidBody`.
 */
export const readJsonObject = async (
  request: Request,
  maxBytes: number = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> => {
  const value = await readJsonBody(request, maxBytes)
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(
      400,
      "InvalidBody",
      `The request body must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}.`,
    )
  }
  return value as Record<string, unknown>
}

const tooLarge = (size: number, limit: number, atLeast = false): HttpError =>
  new HttpError(
    400,
    "PayloadTooLarge",
    `The request body is ${atLeast ? "more than " : ""}${atLeast ? limit : size} bytes; the limit is ${limit} bytes.`,
  )
