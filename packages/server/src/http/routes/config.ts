/**
 * `PATCH /global/config`: change the config of a running server.
 *
 * The body is a deep-partial config (`{"server":{"event_stream":{"heartbeat_ms":1000}}}`), deep-merged
 * into the effective config (objects merge, arrays and scalars replace), validated, written to the
 * config file in use and applied live; open streams follow without reconnecting, and a
 * `config.updated` event announces `{config, changed}`. Answers 200 with the new effective config.
 *
 * Errors change nothing: 400 `ConfigInvalid` with `issues` for an invalid result (a value nested
 * however deep included), 400 for a body that is not a JSON object, 400 `PayloadTooLarge` past the body limit, 409
 * `ConfigFileConflict` when the file on disk is itself unusable (invalid, not UTF-8, not a regular file),
 * 409 `ConfigConflict` when it stays empty or missing, or keeps changing under the PATCH (retry).
 *
 * @module
 */
import { ConfigInvalid } from "@tether/core"
import type { ConfigFileShape } from "../../config/config-file.ts"
import { ConfigConflict, ConfigFileConflict } from "../../config/conflicts.ts"
import { MAX_BODY_BYTES, readJsonObject } from "../body.ts"
import type { Handler } from "../context.ts"
import { HttpError } from "../http-error.ts"
import { errorFrom, errorResponse, json } from "../json.ts"

/**
 * The handler, bound to the server's config file keeper.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { makeConfigFile } from "../../config/config-file.ts"
 * import { patchConfigRoute } from "./config.ts"
 * let config = defaultConfig()
 * const file = makeConfigFile({
 *   live: { current: () => config, set: async (next) => { config = next; return [] } },
 *   publish: async () => {},
 *   path: null,
 * })
 * const patchConfig = patchConfigRoute(file)
 * const response = await patchConfig(new Request("http://127.0.0.1/global/config", { method: "PATCH", body: "[]" }))
 * console.log(response.status) // 400
 * ```
 */
export const patchConfigRoute =
  (file: ConfigFileShape, maxBodyBytes: number = MAX_BODY_BYTES) =>
  async (request: Request): Promise<Response> => {
    try {
      const body = await readJsonObject(request, maxBodyBytes)
      return json(await file.patch(body))
    } catch (error) {
      if (error instanceof HttpError) return error.toResponse()
      if (error instanceof ConfigInvalid) return errorFrom(400, error)
      if (error instanceof ConfigFileConflict || error instanceof ConfigConflict) return errorFrom(409, error)
      const message = error instanceof Error ? error.message : String(error)
      console.error(`tether: PATCH /global/config failed: ${message}`)
      return errorResponse(500, "ConfigWriteFailed", message)
    }
  }

/** `PATCH /global/config`, with the server's config file keeper from the request context. */
export const patchConfig: Handler = (request, { configFile }) => patchConfigRoute(configFile)(request)
