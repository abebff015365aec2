/**
 * A light resuming subscriber for the several-instances tests: it keeps only the durable ids it
 * received (no JSON parsing, so a test process can hold hundreds under thousands of events per
 * second), counts `server.resync`s, and reconnects with `Last-Event-ID` to whichever instance
 * `pick()` names, after any end or error, or on its own schedule (`hopAfterMs`).
 */

export interface IdSubscriberOptions {
  /** The instance to (re)connect to, asked before every connect. */
  readonly pick: () => string
  /** When set, every connection is dropped after a random time in this range (ms), then resumed elsewhere. */
  readonly hopAfterMs?: readonly [number, number]
  /** Pause before reconnecting (ms), default 20–70. */
  readonly pauseMs?: readonly [number, number]
  /** Called for each frame carrying `data:` (heartbeats, resyncs…): the frame's text. */
  readonly onFrame?: (frame: string) => void
}

const ID_LINE = /^id: (.*)$/gm

const between = ([lo, hi]: readonly [number, number]) => lo + Math.random() * (hi - lo)

// The `last_event_id` of a `server.connected` frame.
const connectedAt = (frame: string): string | null => {
  const data = frame.split("\n").find((line) => line.startsWith("data: "))
  return data === undefined
    ? null
    : ((JSON.parse(data.slice(6)) as { properties: { last_event_id: string | null } }).properties
        .last_event_id ?? null)
}

/** A resuming subscriber that records ids. */
export class IdSubscriber {
  /** Durable ids, in arrival order. */
  readonly ids: string[] = []
  lastId: string | null = null
  // Before any durable event: where the first stream started (`server.connected`'s `last_event_id`),
  // resumed from as the SDK does, so a stream dropped before its first event misses nothing.
  private startedAt: string | null = null
  connects = 0
  resyncs = 0
  heartbeats = 0
  private stopped = false
  private hopping = true
  private controller: AbortController | null = null
  private readonly done: Promise<void>

  constructor(private readonly options: IdSubscriberOptions) {
    this.done = this.loop()
  }

  private async loop(): Promise<void> {
    const decoder = new TextDecoder()
    while (!this.stopped) {
      const controller = new AbortController()
      this.controller = controller
      const hop =
        this.options.hopAfterMs === undefined || !this.hopping
          ? undefined
          : setTimeout(() => controller.abort(), between(this.options.hopAfterMs))
      try {
        const response = await fetch(`${this.options.pick()}/global/event`, {
          headers: this.resumeFrom === null ? {} : { "Last-Event-ID": this.resumeFrom },
          signal: controller.signal,
        })
        if (response.status === 200 && response.body !== null) {
          this.connects++
          let rest = ""
          for await (const chunk of response.body) {
            // One chunk often holds many frames (the hub joins a turn's events): scan it whole, keep
            // only the incomplete tail.
            const text = rest + decoder.decode(chunk, { stream: true })
            const end = text.lastIndexOf("\n\n")
            if (end === -1) {
              rest = text
              continue
            }
            rest = text.slice(end + 2)
            this.frames(text.slice(0, end + 2))
          }
        } else {
          await response.body?.cancel()
        }
      } catch {
        // Reset, refused or hopped: resume below.
      }
      clearTimeout(hop)
      if (!this.stopped) await Bun.sleep(between(this.options.pauseMs ?? [20, 70]))
    }
  }

  private frames(text: string): void {
    ID_LINE.lastIndex = 0
    for (let match = ID_LINE.exec(text); match !== null; match = ID_LINE.exec(text)) {
      const id = match[1] as string
      this.ids.push(id)
      this.lastId = id
    }
    // Ephemeral frames are rare: look at them one by one only when there are any.
    if (!text.includes('"id":""')) return
    for (const frame of text.split("\n\n")) {
      if (frame.startsWith("id: ") || frame === "") continue
      if (frame.includes('"type":"server.resync"')) this.resyncs++
      else if (frame.includes('"type":"server.heartbeat"')) this.heartbeats++
      else if (frame.includes('"type":"server.connected"') && this.resumeFrom === null)
        this.startedAt = connectedAt(frame)
      this.options.onFrame?.(frame)
    }
  }

  private get resumeFrom(): string | null {
    return this.lastId ?? this.startedAt
  }

  /** Resolves once `test(lastId)` holds; rejects after `timeoutMs`. */
  async waitUntil(test: (lastId: string | null) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!test(this.lastId)) {
      if (Date.now() > deadline) throw new Error(`subscriber stuck at ${this.lastId}`)
      await Bun.sleep(20)
    }
  }

  /**
   * Stops dropping connections on schedule (the current one still ends at its time): a client that
   * hops faster than a loaded machine answers would never get past its replay.
   */
  stayConnected(): void {
    this.hopping = false
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.controller?.abort()
    await this.done
  }
}

/**
 * What is wrong with one subscriber's ids of one generation: duplicates and holes between its first
 * and last sequence number. Empty when none.
 */
export const sequenceProblems = (ids: readonly string[]): string[] => {
  const problems: string[] = []
  const seen = new Set<string>()
  let previous: { generation: string; seq: number } | null = null
  for (const id of ids) {
    if (seen.has(id)) problems.push(`duplicate ${id}`)
    seen.add(id)
    const dash = id.lastIndexOf("-")
    const current = { generation: id.slice(0, dash), seq: Number(id.slice(dash + 1)) }
    if (previous !== null && previous.generation === current.generation && current.seq !== previous.seq + 1)
      problems.push(`after ${previous.generation}-${previous.seq} came ${id}`)
    previous = current
  }
  return problems
}
