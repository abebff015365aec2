/**
 * The shared event log: Redis Streams, for several `tether serve` instances behind one load balancer.
 *
 * - Append: one Lua script per publish (`redis-scripts.ts`), run with `EVALSHA`: it reads or starts the
 *   generation, adds the entry with the next gapless sequence number as its explicit id, trims with
 *   `MAXLEN ~ retention_events`, and only then moves the counter. The publish answers 202 once the
 *   script has returned; two instances can never mint the same id or an out-of-order one.
 * - Ids: `<generation>-<seq>` (`redis-id.ts`). An id of another generation, a trimmed one (older than
 *   the first entry actually retained: `~` trimming keeps at least N), an unknown or a future one
 *   resumes with `server.resync`.
 * - Fan-out: `follow` runs this instance's reader (`redis-reader.ts`); this instance's own publishes
 *   reach its streams through it too.
 * - Lost history: each call tells the scripts the newest position this instance has seen, so a Redis
 *   that went back (restart from an old snapshot, failover to a lagging replica) starts a new
 *   generation rather than reissuing numbers a client already holds.
 *
 * @module
 */
import { redactRedisUrl } from "@tether/core"
import { Effect } from "effect"
import { EventLogError, type EventLogShape, type LoggedEvent, type ResumePoint } from "./log-shape.ts"
import { COMMAND_TIMEOUT_MS, redisConnection, runScript, unanswered } from "./redis-connection.ts"
import { compareRedisIds, formatRedisId, newGeneration, parseRedisId } from "./redis-id.ts"
import { evictingPolicy, redisRoom } from "./redis-memory.ts"
import { BLOCK_MS, type Entry, type LogState, startReader } from "./redis-reader.ts"
import { APPEND, FOLLOW, KEYS, luaScript, RANGE, STATE } from "./redis-scripts.ts"
import { MIN_FREE_BYTES } from "./store-health.ts"

/** How to open the Redis log. */
export interface RedisLogOptions {
  /** `redis://HOST:PORT[/DB]`. */
  readonly url: string
  /** The current `server.event_stream.retention_events` (read at every append: it may change live). */
  readonly retention: () => number
  /** Where warnings go (reader failures). Default `console.error`. */
  readonly warn?: (message: string) => void
}

const scripts = {
  append: luaScript(APPEND),
  state: luaScript(STATE),
  range: luaScript(RANGE),
  follow: luaScript(FOLLOW),
}
const LOG_KEYS = [KEYS.meta, KEYS.events] as const

/**
 * Connects (failing with `EventLogError` when Redis cannot be reached) and loads the scripts.
 *
 * @example
 * ```ts
 * import { openRedisLog } from "./redis-log.ts"
 * const log = await openRedisLog({ url: "redis://127.0.0.1:6379", retention: () => 10_000 })
 * await log.close()
 * ```
 */
export const openRedisLog = async (
  options: RedisLogOptions,
): Promise<{ readonly shape: EventLogShape; readonly close: () => Promise<void> }> => {
  const where = redactRedisUrl(options.url)
  const warn = options.warn ?? ((message: string) => console.error(message))
  const command = redisConnection(options.url, COMMAND_TIMEOUT_MS)
  // Connection errors also surface as failed commands; the event only needs a listener (ioredis
  // prints unhandled ones) and is logged once per outage.
  let down = false
  command.on("error", (error: Error) => {
    if (down) return
    down = true
    warn(`tether: lost the connection to Redis at ${where}: ${error.message}`)
  })
  command.on("ready", () => {
    if (down) warn(`tether: connected to Redis at ${where} again`)
    down = false
  })
  // The newest position this instance has seen (its appends and its reader), for lost-history checks.
  let known = { generation: "", seq: 0, ms: "" }
  const saw = (generation: string, seq: number, ms: string) => {
    if (generation !== known.generation) known = { generation, seq, ms }
    else if (seq > known.seq) known.seq = seq
  }
  const knownArgs = () => [newGeneration(), known.generation, known.seq, known.ms]

  const fail = (what: string) => (cause: unknown) =>
    new EventLogError({
      message: `Event log ${what} failed (redis ${where}): ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    })

  const readState = async (replid = "", replid2 = ""): Promise<LogState> => {
    const [generation, seq, ms, first] = (await runScript(command, scripts.state, LOG_KEYS, [
      ...knownArgs(),
      replid,
      replid2,
    ])) as [string, number, string, number, number]
    saw(generation, seq, ms)
    return { generation, seq, ms, first }
  }
  let initial: LogState
  try {
    await command.connect()
    for (const script of Object.values(scripts)) await command.script("LOAD", script.source)
    // Where the reader starts, read before any stream can open: a stream starting after this point
    // never waits for an event the reader would skip.
    initial = await readState()
    const policy = evictingPolicy(await command.info("memory"))
    if (policy !== null)
      warn(
        `tether: Redis at ${where} evicts any key at maxmemory (maxmemory-policy ${policy}), the event log's too: it may lose events or its generation, and every client then resyncs; set maxmemory-policy noeviction`,
      )
  } catch (cause) {
    command.disconnect()
    throw new EventLogError({
      message: `Cannot open the event log in Redis at ${where}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    })
  }

  // Calls made in one go share one read, sent right after the last of them (a microtask later), so
  // each still gets the log's state as of after its call: a resuming stream asks for the newest id and
  // its resume point together (replay.ts), one round trip instead of two.
  let queued: Promise<LogState> | null = null
  const sharedState = (): Promise<LogState> => {
    if (queued === null)
      queued = Promise.resolve().then(() => {
        queued = null
        return readState()
      })
    return queued
  }
  const state = (what: string) => Effect.tryPromise({ try: sharedState, catch: fail(what) })

  const verify = async (): Promise<LogState> => {
    const info = await command.info("replication")
    const replid = /^master_replid:(\w+)/m.exec(info)?.[1] ?? ""
    // All zeros: no previous master (never promoted since its start).
    const replid2 = (/^master_replid2:(\w+)/m.exec(info)?.[1] ?? "").replace(/^0+$/, "")
    return readState(replid, replid2)
  }

  const toEvents = (entries: readonly [string, string[]][]): LoggedEvent[] =>
    entries.map(([streamId, fields]) => {
      const record: Record<string, string> = {}
      for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] as string] = fields[i + 1] as string
      return {
        id: formatRedisId(record.g ?? "", Number(streamId.slice(streamId.indexOf("-") + 1))),
        type: record.y ?? "",
        time: Number(record.t),
        properties: record.p ?? "{}",
      }
    })

  const shape: EventLogShape = {
    kind: "redis",
    append: (event) =>
      Effect.tryPromise({
        try: async () => {
          const [generation, seq, ms] = (await runScript(command, scripts.append, LOG_KEYS, [
            ...knownArgs(),
            Math.max(1, options.retention()),
            event.type,
            event.time,
            event.properties,
          ])) as [string, number, string]
          saw(generation, seq, ms)
          return { id: formatRedisId(generation, seq), ...event }
        },
        catch: (cause) => {
          const error = fail("append")(cause)
          if (!unanswered(cause)) return error
          // The publisher gets a 503 either way; it should know that a retry may store the event twice.
          return new EventLogError({
            message: `${error.message}; no answer came, so the event may have been stored all the same (publishing it again may store it twice)`,
            cause,
          })
        },
      }),
    probe: Effect.tryPromise({
      try: async () => {
        // Checked first: past the limit the write below fails too, with Redis's terser `OOM`.
        const room = redisRoom(await command.info("memory"))
        if (room !== null && room < MIN_FREE_BYTES)
          throw new Error(
            `Redis has ${Math.max(0, room)} bytes left under its maxmemory (maxmemory-policy noeviction), under the ${MIN_FREE_BYTES} a publish may need: raise maxmemory or lower server.event_stream.retention_events`,
          )
        await command.set(KEYS.probe, String(Date.now()), "PX", 60_000)
      },
      catch: fail("probe write"),
    }),
    resume: (requested) =>
      state("resume").pipe(
        Effect.map((now): ResumePoint => {
          const id = parseRedisId(requested)
          const oldest = now.first < 0 ? null : formatRedisId(now.generation, now.first)
          // Replayable: this generation, not in the future, and nothing after it trimmed (the first
          // entry actually retained, not the configured count, decides).
          const retained = now.first < 0 ? now.seq : now.first - 1
          if (id !== null && id.generation === now.generation && id.seq <= now.seq && id.seq >= retained)
            return { _tag: "Replay", after: requested }
          return { _tag: "Resync", oldest }
        }),
      ),
    readAfter: (after, limit) => {
      const id = parseRedisId(after)
      if (id === null) return Effect.succeed([])
      return Effect.tryPromise({
        try: async () => {
          const entries = (await runScript(command, scripts.range, LOG_KEYS, [
            id.generation,
            id.seq,
            limit,
          ])) as [string, string[]][] | null
          return entries === null ? [] : toEvents(entries)
        },
        catch: fail("read"),
      })
    },
    newest: state("read").pipe(Effect.map((now) => formatRedisId(now.generation, now.seq))),
    oldest: state("read").pipe(
      Effect.map((now) => (now.first < 0 ? null : formatRedisId(now.generation, now.first))),
    ),
    // Every append trims (`MAXLEN ~` with the live retention), so a lowered retention applies at the
    // next publish; a second trimmer would only add a write per second per instance.
    trim: () => Effect.succeed(0),
    compare: compareRedisIds,
    previous: (id) => {
      const parsed = parseRedisId(id)
      return parsed === null || parsed.seq < 1 ? null : formatRedisId(parsed.generation, parsed.seq - 1)
    },
    follow: (follower) => {
      const connection = command.duplicate({ commandTimeout: BLOCK_MS + COMMAND_TIMEOUT_MS })
      return startReader(
        {
          connection,
          readAfter: async (after, count, bytes) =>
            (await runScript(connection, scripts.follow, [KEYS.events], [after, count, bytes])) as Entry[],
          start: initial,
          verify,
          state: readState,
          saw,
          warn,
        },
        follower,
      )
    },
  }

  return {
    shape,
    close: async () => {
      try {
        await command.quit()
      } catch {
        command.disconnect()
      }
    },
  }
}
