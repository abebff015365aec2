/**
 * A small SSE reader for tests (the server only writes LF-terminated frames): one connection as an
 * async iterator of events, and a resuming subscriber that reconnects with `Last-Event-ID` after
 * any end or error, the way the SDK does, recording what it received.
 */

/** One parsed frame carrying `data:`. */
export interface SseEvent {
  /** The `id:` line, or `null` when the frame had none. */
  readonly id: string | null
  readonly type: string
  readonly properties: Record<string, unknown>
  /** The envelope's own id field. */
  readonly envelopeId: string
  readonly time: number
  readonly raw: string
}

/** Parses complete frames out of `buffer`; returns them and the incomplete rest. */
export const parseFrames = (buffer: string): { events: SseEvent[]; rest: string; retry: number[] } => {
  const events: SseEvent[] = []
  const retry: number[] = []
  let rest = buffer
  let end = rest.indexOf("\n\n")
  while (end !== -1) {
    const frame = rest.slice(0, end)
    rest = rest.slice(end + 2)
    let id: string | null = null
    let data: string | null = null
    for (const line of frame.split("\n")) {
      if (line.startsWith("id: ")) id = line.slice(4)
      else if (line.startsWith("data: ")) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`
      else if (line.startsWith("retry: ")) retry.push(Number(line.slice(7)))
    }
    if (data !== null) {
      const envelope = JSON.parse(data) as {
        id: string
        type: string
        properties: Record<string, unknown>
        time: number
      }
      events.push({
        id,
        type: envelope.type,
        properties: envelope.properties,
        envelopeId: envelope.id,
        time: envelope.time,
        raw: frame,
      })
    }
    end = rest.indexOf("\n\n")
  }
  return { events, rest, retry }
}

/** An open stream: read events one by one. */
export interface SseConnection {
  readonly response: Response
  /** The next event, or `null` at the end of the stream; rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent | null>
  /** Events until `predicate` matches (inclusive). */
  until(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent[]>
  /** The `retry:` values seen. */
  readonly retries: number[]
  close(): void
}

/** The reader's next chunk, or `"timeout"` when none comes within `ms`. */
export const readWithin = async <T>(
  reader: ReadableStreamDefaultReader<T>,
  ms: number,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<T>["read"]>> | "timeout"> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      reader.read(),
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Opens `GET /global/event`. */
export const connectSse = async (
  baseUrl: string,
  options: { lastEventId?: string; query?: string; signal?: AbortSignal } = {},
): Promise<SseConnection> => {
  const controller = new AbortController()
  options.signal?.addEventListener("abort", () => controller.abort())
  const headers: Record<string, string> = {}
  if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId
  const response = await fetch(`${baseUrl}/global/event${options.query ?? ""}`, {
    headers,
    signal: controller.signal,
  })
  if (response.body === null) throw new Error("no body")
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  const queue: SseEvent[] = []
  const retries: number[] = []
  let buffer = ""
  let done = false
  const next = async (timeoutMs = 15_000): Promise<SseEvent | null> => {
    const deadline = Date.now() + timeoutMs
    while (queue.length === 0 && !done) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms`)
      const chunk = await readWithin(reader, left)
      if (chunk === "timeout") throw new Error(`no SSE event within ${timeoutMs} ms`)
      if (chunk.done) {
        done = true
        break
      }
      buffer += decoder.decode(chunk.value, { stream: true })
      const parsed = parseFrames(buffer)
      buffer = parsed.rest
      queue.push(...parsed.events)
      retries.push(...parsed.retry)
    }
    return queue.shift() ?? null
  }
  return {
    response,
    next,
    retries,
    until: async (predicate, timeoutMs = 15_000) => {
      const seen: SseEvent[] = []
      const deadline = Date.now() + timeoutMs
      while (true) {
        const event = await next(Math.max(1, deadline - Date.now()))
        if (event === null)
          throw new Error(`stream ended before the expected event; saw ${seen.map((e) => e.type).join(",")}`)
        seen.push(event)
        if (predicate(event)) return seen
      }
    },
    close: () => controller.abort(),
  }
}

/**
 * A subscriber that stays subscribed across server restarts: on any end or error it reconnects
 * after a short jittered pause with `Last-Event-ID` set to the last durable id it received.
 */
export class ResumingSubscriber {
  /** Durable events in arrival order. */
  readonly events: SseEvent[] = []
  lastId: string | null = null
  connects = 0
  resyncs = 0
  private stopped = false
  private current: AbortController | null = null
  private readonly done: Promise<void>

  constructor(private readonly baseUrl: () => string) {
    this.done = this.loop()
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const controller = new AbortController()
      this.current = controller
      try {
        const connection = await connectSse(this.baseUrl(), {
          ...(this.lastId === null ? {} : { lastEventId: this.lastId }),
          signal: controller.signal,
        })
        this.connects++
        while (!this.stopped) {
          const event = await connection.next(60_000)
          if (event === null) break
          if (event.type === "server.resync") this.resyncs++
          if (event.id !== null) {
            this.events.push(event)
            this.lastId = event.id
          }
        }
      } catch {
        // Refused, reset or aborted: reconnect below.
      }
      if (!this.stopped) await Bun.sleep(50 + Math.random() * 100)
    }
  }

  /** Resolves once an event with `id` (or later) was received. */
  async waitFor(id: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.lastId === null || this.lastId < id) {
      if (Date.now() > deadline) throw new Error(`subscriber stuck at ${this.lastId}, expected ${id}`)
      await Bun.sleep(20)
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.current?.abort()
    await this.done
  }
}

/**
 * The oldest id the server's log retains, as its `server.resync` names it for an unknown id: after
 * publishing into an empty log, it is the first event that was stored (ids do not start at 1).
 */
export const oldestRetained = async (baseUrl: string): Promise<string | null> => {
  const stream = await connectSse(baseUrl, { lastEventId: "not-an-id" })
  try {
    for (;;) {
      const event = await stream.next()
      if (event === null) throw new Error("the stream ended before server.resync")
      if (event.type === "server.resync") return event.properties.oldest as string | null
    }
  } finally {
    stream.close()
  }
}
