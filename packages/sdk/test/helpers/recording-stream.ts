/**
 * `openEventStream` with every message and status recorded, and fast, jitter-free retries unless overridden.
 */
import { openEventStream } from "../../src/sse/open.ts"
import type {
  EventStreamHandle,
  OpenEventStreamOptions,
  SseMessage,
  StreamStatus,
} from "../../src/sse/types.ts"

export interface RecordingStream {
  readonly handle: EventStreamHandle
  readonly messages: SseMessage[]
  readonly statuses: StreamStatus[]
  /** The states reported so far, in order. */
  states(): StreamStatus["state"][]
}

/** Opens the stream; `cleanups` gets its `close()`. */
export function openRecording(
  url: string | URL,
  options: OpenEventStreamOptions,
  cleanups: (() => unknown)[],
): RecordingStream {
  const messages: SseMessage[] = []
  const statuses: StreamStatus[] = []
  const handle = openEventStream(url, {
    backoff: { baseMs: 50, capMs: 400, jitter: 0 },
    onMessage: (message) => messages.push(message),
    onStatus: (status) => statuses.push(status),
    ...options,
  })
  cleanups.push(() => handle.close())
  return { handle, messages, statuses, states: () => statuses.map((status) => status.state) }
}
