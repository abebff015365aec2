/**
 * A fixed-rate publisher: `POST /global/event` with a ~N-byte frame carrying a sequence number and
 * the send time. Sends on an absolute schedule without waiting for answers, so a slow server
 * cannot quietly lower the offered rate.
 *
 * @module
 */

/** The event type every benchmark publish carries. */
export const BENCH_EVENT_TYPE = "bench.tick"

/**
 * The publish body for sequence `seq`, padded so the SSE frame the server sends
 * (`id: …\ndata: {envelope}\n\n`) is about `frameBytes` long. `sent` is integer microseconds of
 * this process's `performance.now()`.
 *
 * @example
 * ```ts
 * publishBody(3, 1_000_000, 256) // '{"type":"bench.tick","properties":{"seq":3,"sent":1000000,"pad":"…"}}'
 * ```
 */
export const publishBody = (seq: number, sent: number, frameBytes: number): string => {
  // Envelope overhead beyond the body: `id: N\ndata: {"id":"N",…,"time":1795682996678}\n\n`.
  const overhead = 60
  const bare = JSON.stringify({ type: BENCH_EVENT_TYPE, properties: { seq, sent, pad: "" } })
  const pad = "x".repeat(Math.max(0, frameBytes - overhead - bare.length))
  return JSON.stringify({ type: BENCH_EVENT_TYPE, properties: { seq, sent, pad } })
}

/**
 * One `POST /global/event` of `publishBody(seq, now, frameBytes)` to the server at `url`; resolves
 * with the id it was given, or `null` when it was refused.
 */
export const publishOne = async (url: string, seq: number, frameBytes: number): Promise<string | null> => {
  const response = await fetch(`${url}/global/event`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: publishBody(seq, Math.round(performance.now() * 1000), frameBytes),
  })
  const body = (await response.json().catch(() => null)) as { id?: unknown } | null
  return response.status === 202 && typeof body?.id === "string" ? body.id : null
}

/** Counts of one publishing run. */
export interface PublishCounts {
  sent: number
  acked: number
  failed: number
  /** The first failure's message, to tell a refusal from an overload. */
  firstError?: string
}

/**
 * Publish `rate` events per second for `seconds`, starting at `firstSeq`. Resolves when every
 * request has been answered (or failed), after the schedule ends.
 */
export const publishAtRate = async (options: {
  readonly url: string
  /** Several servers (instances sharing one log): publishes go to each in turn; `url` is then ignored. */
  readonly urls?: readonly string[]
  readonly rate: number
  readonly seconds: number
  readonly frameBytes: number
  readonly firstSeq?: number
  readonly headers?: Record<string, string>
}): Promise<PublishCounts> => {
  const counts: PublishCounts = { sent: 0, acked: 0, failed: 0 }
  const total = Math.max(1, Math.round(options.rate * options.seconds))
  const interval = 1000 / options.rate
  const start = performance.now()
  const pending: Promise<void>[] = []
  const endpoints = (options.urls ?? [options.url]).map((url) => `${url}/global/event`)
  for (let i = 0; i < total; i++) {
    const due = start + i * interval
    const wait = due - performance.now()
    if (wait > 1) await Bun.sleep(wait)
    const seq = (options.firstSeq ?? 0) + i
    const body = publishBody(seq, Math.round(performance.now() * 1000), options.frameBytes)
    counts.sent++
    pending.push(
      fetch(endpoints[i % endpoints.length] as string, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...options.headers },
        body,
      }).then(
        async (response) => {
          await response.arrayBuffer()
          if (response.status === 202) counts.acked++
          else {
            counts.failed++
            counts.firstError ??= `HTTP ${response.status}`
          }
        },
        (error: unknown) => {
          counts.failed++
          counts.firstError ??= String(error)
        },
      ),
    )
  }
  await Promise.all(pending)
  return counts
}
