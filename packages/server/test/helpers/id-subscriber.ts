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

const between = ([lo, hi]: readonly [number, number]) => lo + Math.random() * (hi - lo)

/** A resuming subscriber that records ids. */
export class IdSubscriber {
  /** Durable ids, in arrival order. */
  readonly ids: string[] = []
  lastId: string | null = null
  connects = 0
  resyncs = 0
  heartbeats = 0
  private stopped = false
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
        this.options.hopAfterMs === undefined
          ? undefined
          : setTimeout(() => controller.abort(), between(this.options.hopAfterMs))
      try {
        const response = await fetch(`${this.options.pick()}/global/event`, {
          headers: this.lastId === null ? {} : { "Last-Event-ID": this.lastId },
          signal: controller.signal,
        })
        if (response.status === 200 && response.body !== null) {
          this.connects++
          let buffer = ""
          for await (const chunk of response.body) {
            buffer += decoder.decode(chunk, { stream: true })
            let end = buffer.indexOf("\n\n")
            while (end !== -1) {
              const frame = buffer.slice(0, end)
              buffer = buffer.slice(end + 2)
              this.frame(frame)
              end = buffer.indexOf("\n\n")
            }
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

  private frame(frame: string): void {
    if (frame.startsWith("id: ")) {
      const id = frame.slice(4, frame.indexOf("\n"))
      this.ids.push(id)
      this.lastId = id
      return
    }
    if (frame.includes('"type":"server.resync"')) this.resyncs++
    else if (frame.includes('"type":"server.heartbeat"')) this.heartbeats++
    this.options.onFrame?.(frame)
  }

  /** Resolves once `test(lastId)` holds; rejects after `timeoutMs`. */
  async waitUntil(test: (lastId: string | null) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!test(this.lastId)) {
      if (Date.now() > deadline) throw new Error(`subscriber stuck at ${this.lastId}`)
      await Bun.sleep(20)
    }
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
