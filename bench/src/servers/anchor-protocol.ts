/**
 * What every anchor server shares with Tether, so the load generator drives them all the same way:
 * `GET /global/event` streams SSE frames in Tether's wire format (a `retry:` and `server.connected`
 * first, `server.heartbeat` every `--heartbeat-ms`, events as `id:` + one `data:` line of the
 * envelope JSON) and `POST /global/event` with `{type, properties}` publishes, answering 202 `{id}`.
 * Each server prints `listening on http://127.0.0.1:PORT` when ready.
 *
 * Runs on Bun and on Node (the better-sse anchor), so only `node:`-free standard APIs here.
 *
 * @module
 */

/** The reconnect delay the anchors advertise in their first `retry:` line, as Tether's SDK default. */
export const RETRY_MS = 500

/** Command-line options every anchor takes. */
export interface AnchorOptions {
  readonly port: number
  readonly heartbeatMs: number
}

/**
 * Read `--port N` (default 0: a free port) and `--heartbeat-ms N` (default 1000).
 *
 * @example
 * ```ts
 * parseAnchorArgs(["--port", "0", "--heartbeat-ms", "1000"]) // { port: 0, heartbeatMs: 1000 }
 * ```
 */
export const parseAnchorArgs = (argv: readonly string[]): AnchorOptions => {
  const value = (flag: string, fallback: number): number => {
    const at = argv.indexOf(flag)
    if (at < 0) return fallback
    const parsed = Number(argv[at + 1])
    if (!Number.isInteger(parsed) || parsed < 0) {
      throw new Error(`${flag} expects a non-negative integer, got ${JSON.stringify(argv[at + 1])}`)
    }
    return parsed
  }
  return { port: value("--port", 0), heartbeatMs: value("--heartbeat-ms", 1000) }
}

/** The envelope `{id, type, properties, time}` as Tether sends it. */
export const envelope = (id: string, type: string, properties: unknown): string =>
  JSON.stringify({ id, type, properties, time: Date.now() })

/** The `server.connected` envelope JSON for a stream opened now. */
export const connectedData = (heartbeatMs: number, instance: string): string =>
  envelope("", "server.connected", { heartbeat_ms: heartbeatMs, instance, last_event_id: null })

/** A `server.heartbeat` envelope JSON. */
export const heartbeatData = (heartbeatMs: number): string =>
  envelope("", "server.heartbeat", { heartbeat_ms: heartbeatMs })

/**
 * Validate a publish body the way Tether does at the door (an object with a string `type`), so the
 * anchors pay the same parse cost per publish; returns an error message or the input.
 */
export const readPublish = (body: unknown): { type: string; properties: unknown } | string => {
  if (typeof body !== "object" || body === null) return "body must be a JSON object"
  const { type, properties } = body as { type?: unknown; properties?: unknown }
  if (typeof type !== "string" || type.length === 0) return "type must be a non-empty string"
  return { type, properties: properties ?? {} }
}

/**
 * `POST /global/event` for the plain-Bun anchors: 400 for a bad body, else the next id, the event's
 * envelope JSON handed to `publish`, and 202 `{id}` — so those anchors differ only in how they fan out.
 */
export const answerPublish = async (
  request: Request,
  nextId: () => string,
  publish: (id: string, data: string) => void,
): Promise<Response> => {
  const input = readPublish(await request.json().catch(() => null))
  if (typeof input === "string")
    return Response.json({ error: { name: "BadRequest", message: input } }, { status: 400 })
  const id = nextId()
  publish(id, envelope(id, input.type, input.properties))
  return Response.json({ id }, { status: 202 })
}

/** The line the orchestrator waits for. */
export const listeningLine = (port: number): string => `listening on http://127.0.0.1:${port}`
