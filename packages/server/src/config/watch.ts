/**
 * The config file in use, kept in step with the live config in both directions:
 *
 * - `patch` (for `PATCH /global/config`): deep-merge into the effective config, validate, write the
 *   file atomically (temp file + rename) with the patch applied to its text so comments and
 *   formatting stay, apply live, announce `config.updated`. Nothing is written or applied on error.
 *   With no file in use, `tether.jsonc` is created in the XDG config dir (`$XDG_CONFIG_HOME/tether`,
 *   `~/.config/tether`), the last place the lookup searches, so the next start finds it too.
 *   The file in use is never rewritten from scratch: empty or missing, the PATCH waits for it to hold a
 *   config again (an editor's truncate-then-write), then answers `ConfigConflict`. A hand edit that lands
 *   between the read and the write is seen by `writeAtomically` and the patch is made again on it.
 * - `start` (the watcher): a hand edit of the file while the server runs is picked up. A valid edit
 *   applies like a PATCH; an invalid one is logged with the core's message and the running config is kept.
 *
 * Every read goes through the core's `readConfigText`, as at start: regular files only (a FIFO is never
 * opened, a symlink to `/dev/zero` never read), at most 1 MiB, UTF-8.
 *
 * The directory is watched, not the file: editors save by writing a new file and renaming it over the
 * old one, which a watch on the old inode would miss. Events are debounced and the content compared
 * with the last text seen, so our own writes and editors' multi-step saves apply once.
 *
 * `server.port` and `server.hostname` cannot change under a listening socket: a new value is written
 * to the file (and logged) and takes effect at the next start; the live config keeps the bound ones.
 * `server.event_log` likewise: the live config keeps the log in force (its Redis URL without
 * credentials, see `event/log-choice.ts`). A PATCH that sends that redacted URL back (a client that
 * PATCHes what it got from GET) leaves the file's `redis_url` as it is; any other URL with hidden
 * credentials is refused, so `***` never replaces a password in the file.
 *
 * @module
 */
import { type FSWatcher, watch } from "node:fs"
import { realpath } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import {
  applyPatchToConfigText,
  type Config,
  ConfigFileError,
  ConfigInvalid,
  type ConfigUpdatedProperties,
  defaultConfig,
  defaultConfigDir,
  EventType,
  isRedactedRedisUrl,
  mergeConfigPatch,
  parseConfigText,
  readConfigText,
  redactConfig,
  redactRedisUrl,
  validateConfig,
} from "@tether/core"
import { Context, Effect, Layer } from "effect"
import { EventBus } from "../event/bus.ts"
import { bindRefusal, PASSWORD_ENV } from "../http/access.ts"
import { Telemetry } from "../observability/telemetry.ts"
import { ConfigConflict, ConfigFileConflict } from "./conflicts.ts"
import { LiveConfig } from "./service.ts"
import { writeAtomically } from "./write-atomically.ts"

/** The file name created in the XDG config dir when no config file was in use. */
export const CREATED_CONFIG_NAME = "tether.jsonc"

/** What the config file keeper needs from the server. */
export interface ConfigFileOptions {
  /** The live config: its current value and how to replace it (returns the changed dotted paths). */
  readonly live: {
    readonly current: () => Config
    readonly set: (next: Config) => Promise<readonly string[]>
  }
  /** Publishes `config.updated` through the event bus. */
  readonly publish: (input: {
    readonly type: string
    readonly properties: Record<string, unknown>
  }) => Promise<unknown>
  /** The config file in use at start, or `null` (defaults). */
  readonly path: string | null
  /** For the XDG config dir. Default `process.env`. */
  readonly env?: Record<string, string | undefined>
  /** Where problems and notices go. Default: stderr with a `tether:` prefix. */
  readonly log?: (line: string) => void
  /** Quiet time before a file change is read, in ms. Default 100. */
  readonly debounceMs?: number
  /**
   * How long a PATCH waits for a config file in use that is empty or missing (an editor's
   * truncate-then-write) to hold a config again before answering {@link ConfigConflict}, in ms. Default 1000.
   */
  readonly settleMs?: number
}

/** The config file and its watcher. */
export interface ConfigFile {
  /** The file in use, or `null` until a PATCH creates one. */
  path(): string | null
  /**
   * Applies a `PATCH /global/config` body; resolves with the new effective config.
   * Rejects with `ConfigInvalid` (`file: null`) when the merged config is invalid, with
   * {@link ConfigFileConflict} when the file on disk is itself unusable (invalid, not UTF-8, not a regular
   * file: fix it first), or with {@link ConfigConflict} when it stays empty or missing, or keeps
   * changing under the PATCH (retry). Nothing changes then.
   */
  patch(patch: unknown): Promise<Config>
  /** Starts watching the file for hand edits; resolves once the watchers are attached. */
  start(): Promise<void>
  /** Stops watching; waits for a change in progress. */
  close(): Promise<void>
}

/**
 * Creates the keeper of the config file in use.
 *
 * @example
 * ```ts
 * import { defaultConfig } from "@tether/core"
 * import { makeConfigFile } from "./watch.ts"
 * let config = defaultConfig()
 * const file = makeConfigFile({
 *   live: { current: () => config, set: async (next) => { config = next; return [] } },
 *   publish: async (event) => console.log(event.type),
 *   path: "./tether.jsonc",
 * })
 * await file.start()
 * await file.patch({ server: { event_stream: { heartbeat_ms: 1000 } } })
 * await file.close()
 * ```
 */
export const makeConfigFile = (options: ConfigFileOptions): ConfigFile => {
  const log = options.log ?? ((line: string) => process.stderr.write(`tether: ${line}\n`))
  const debounceMs = options.debounceMs ?? 100
  const settleMs = options.settleMs ?? 1000
  let path = options.path
  // The text last read or written: a watch event whose content equals it changes nothing.
  let lastText: string | null = null
  let queue: Promise<unknown> = Promise.resolve()
  let watchers: FSWatcher[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  // One change at a time: a PATCH and a hand edit never interleave their read-modify-write.
  const serial = <A>(task: () => Promise<A>): Promise<A> => {
    const run = queue.then(task, task)
    queue = run.catch(() => {})
    return run
  }

  /** Applies a validated file config live, keeping the bound address; announces the change. */
  const applyLive = async (fileConfig: Config, origin: string): Promise<Config> => {
    const { port, hostname, event_log } = options.live.current().server
    // Compared with the file's previous address, not the running one: --port/--hostname override the file.
    const wanted = addressOf(fileConfig)
    if (wanted !== fileAddress) {
      log(
        `${origin}: server address ${wanted} takes effect at the next start (listening on ${hostname}:${port})`,
      )
      const refusal = nextStartRefusal(fileConfig)
      if (refusal !== null) log(`warning: ${refusal}`)
      fileAddress = wanted
    }
    const wantedLog = eventLogOf(fileConfig)
    if (wantedLog !== fileEventLog) {
      log(`${origin}: server.event_log ${wantedLog} takes effect at the next start`)
      fileEventLog = wantedLog
    }
    const next: Config = { ...fileConfig, server: { ...fileConfig.server, port, hostname, event_log } }
    const changed = await options.live.set(next)
    if (changed.length > 0) {
      log(`${origin}: applied ${changed.join(", ")}`)
      try {
        await options.publish({
          type: EventType.ConfigUpdated,
          // The live event_log is already redacted; a config built elsewhere may not be.
          properties: { config: redactConfig(next), changed } satisfies ConfigUpdatedProperties,
        })
      } catch (error) {
        // The change is made and written; only its announcement failed.
        log(
          `config.updated could not be published: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
    return options.live.current()
  }
  // The address and event log the file asks for, as last read: set from the file's text before any
  // change applies.
  let fileAddress: string | undefined
  let fileEventLog: string | undefined
  const noteFileAddress = (text: string | null, file: string): void => {
    if (fileAddress !== undefined) return
    let config = defaultConfig()
    try {
      if (text !== null) config = parseConfigText(text, file)
    } catch {
      // Invalid now (a hand edit in progress): the defaults are the best guess of what it asked.
    }
    fileAddress = addressOf(config)
    fileEventLog = eventLogOf(config)
  }

  const nextStartRefusal = (config: Config): string | null =>
    bindRefusal(config.server.hostname, (options.env ?? process.env)[PASSWORD_ENV]) === null
      ? null
      : `${config.server.hostname} is not a loopback address and ${PASSWORD_ENV} is not set: the next start ` +
        "would refuse to listen there. Set the password in the server's environment, or keep a loopback address"

  /**
   * The text a PATCH applies to: the file's once it holds something. A file in use that is empty or
   * missing is an editor's save in progress (or a deleted file), never a blank page: rewriting it from
   * the defaults would lose its comments and every key it sets (and a lower retention would trim events).
   * `null` only where a file may be created (no file was in use).
   */
  const readSettled = async (target: string, inUse: boolean): Promise<string | null> => {
    const deadline = Date.now() + settleMs
    for (;;) {
      const text = await readForPatch(target)
      if (!inUse || (text !== null && text.trim() !== "")) return text
      if (Date.now() >= deadline) throw absentConflict(target, text, settleMs)
      await sleep(SETTLE_POLL_MS)
    }
  }

  const patch = (sent: unknown): Promise<Config> =>
    serial(async () => {
      const body = withoutEchoedRedisUrl(sent, options.live.current())
      const merged = validateConfig(mergeConfigPatch(options.live.current(), body), null)
      // Valid in itself, but the next start would refuse to listen there: say so now, not at that start.
      const refusal = nextStartRefusal(merged)
      if (refusal !== null) throw new ConfigInvalid(null, [{ path: "server.hostname", message: refusal }])
      const inUse = path !== null
      const target = path ?? join(defaultConfigDir(options.env ?? process.env), CREATED_CONFIG_NAME)
      // Read, edit, and write only if the file still holds what was read (`writeAtomically` checks it
      // with no gap left); else the edit is made again on what the file holds now, so a hand edit made
      // meanwhile is kept.
      for (let attempt = 1; ; attempt++) {
        const before = await readSettled(target, inUse)
        noteFileAddress(before, target)
        let text: string
        try {
          text = applyPatchToConfigText(before ?? "", body, target)
        } catch (error) {
          if (!(error instanceof ConfigInvalid)) throw error
          // The patch itself was valid against the running config, so the file on disk is at fault.
          throw before === null ? error : new ConfigFileConflict(error)
        }
        if (before === null) text = `${NEW_FILE_HEADER}${text}`
        const fileConfig = parseConfigText(text, target)
        const written = await writeAtomically(target, text, before).catch((error: unknown) => {
          throw error instanceof ConfigFileError || error instanceof ConfigInvalid
            ? new ConfigFileConflict(error)
            : error
        })
        if (written) {
          // Set after the write: the watcher's read is queued behind this task, so it sees the new text.
          lastText = text
          if (path === null) {
            path = target
            log(`created ${target} (no config file was in use)`)
            if (watching !== null) watching = watchFile()
          }
          return applyLive(fileConfig, "PATCH /global/config")
        }
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          throw new ConfigConflict(
            target,
            `The config file ${target} changed each time this PATCH was about to write it (${attempt} times); nothing was written. Retry the change.`,
          )
        }
      }
    })

  const reload = (): Promise<void> =>
    serial(async () => {
      if (path === null || closed) return
      const file = path
      let text: string | null
      try {
        text = await readIfExists(file)
      } catch (error) {
        // Not UTF-8, a FIFO, a device, a symlink to /dev/zero: refused by the same reader as at start.
        if (!(error instanceof ConfigInvalid || error instanceof ConfigFileError)) throw error
        log(`${error.message}\n  The edit was not applied; the running config is kept.`)
        return
      }
      if (text === null) {
        if (lastText !== null) log(`config file ${file} was removed; keeping the running config`)
        lastText = null
        return
      }
      if (text === lastText) return
      noteFileAddress(lastText, file)
      lastText = text
      let fileConfig: Config
      try {
        fileConfig = parseConfigText(text, file)
      } catch (error) {
        if (!(error instanceof ConfigInvalid)) throw error
        log(`${error.message}\n  The edit was not applied; the running config is kept.`)
        return
      }
      await applyLive(fileConfig, `config file ${file}`)
    }).catch((error) =>
      log(`reading the config file failed: ${error instanceof Error ? error.message : String(error)}`),
    )

  const onChange = (file: string) => (_event: string, name: string | Buffer | null) => {
    if (name !== null && String(name) !== file) return
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), debounceMs)
  }

  // Set by `start`: the attaching of the watchers (a PATCH that creates the file attaches them again).
  let watching: Promise<void> | null = null
  const watchFile = async (): Promise<void> => {
    for (const watcher of watchers) watcher.close()
    watchers = []
    if (path === null) return
    const file = path
    await (async () => {
      // Unreadable now: the first reload reads it again and reports why.
      lastText ??= await readIfExists(file).catch(() => null)
      const dirs = new Map([[dirname(file), basename(file)]])
      // A symlinked config (dotfile managers): watch where the content really changes too.
      const real = await realpath(file).catch(() => file)
      dirs.set(dirname(real), basename(real))
      for (const [dir, name] of dirs) {
        if (closed) return
        try {
          const watcher = watch(dir, { persistent: false }, onChange(name))
          watcher.on("error", (error) => log(`watching ${dir} failed: ${error.message}`))
          watchers.push(watcher)
        } catch (error) {
          log(
            `cannot watch ${dir}: ${error instanceof Error ? error.message : String(error)}; hand edits need a restart`,
          )
        }
      }
    })()
  }

  return {
    path: () => path,
    patch,
    start: () => {
      watching ??= watchFile()
      return watching
    },
    close: async () => {
      closed = true
      // Watchers still being attached would otherwise outlive the close.
      await watching
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
      watchers = []
      await queue
    },
  }
}

const addressOf = (config: Config): string => `${config.server.hostname}:${config.server.port}`

// How a log line names the event log a config asks for: never with the URL's credentials.
const eventLogOf = (config: Config): string => JSON.stringify(redactConfig(config).server.event_log)

/**
 * The PATCH body with `server.event_log.redis_url` left out when it is the redacted URL the live config
 * shows (the client sends back what GET gave it): the file keeps its URL and password. A different URL
 * with hidden credentials is refused: written, `***` would become the password.
 */
const withoutEchoedRedisUrl = (body: unknown, live: Config): unknown => {
  const eventLog = recordAt(recordAt(body, "server"), "event_log")
  const url = eventLog?.redis_url
  if (eventLog === undefined || typeof url !== "string" || !isRedactedRedisUrl(url)) return body
  const shown = live.server.event_log.redis_url
  if (url !== shown) {
    throw new ConfigInvalid(null, [
      {
        path: "server.event_log.redis_url",
        message:
          `got ${JSON.stringify(redactRedisUrl(url))}, whose credentials are hidden (***), but it is not the URL ` +
          `in use (${JSON.stringify(shown ?? null)}); send the full URL with its password, or leave redis_url out`,
      },
    ])
  }
  const { redis_url: _echoed, ...rest } = eventLog
  const server = recordAt(body, "server") ?? {}
  return { ...(body as Record<string, unknown>), server: { ...server, event_log: rest } }
}

const recordAt = (value: unknown, key: string): Record<string, unknown> | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const inner = (value as Record<string, unknown>)[key]
  return typeof inner === "object" && inner !== null && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined
}

const NEW_FILE_HEADER =
  "// Tether config, created by PATCH /global/config. Every key: `tether config schema`.\n"

// How often a PATCH looks again at an empty or missing config file while it waits for it to settle.
const SETTLE_POLL_MS = 25
// Each attempt re-reads the file; past this many hand edits in a row, the PATCH gives up with a 409.
const MAX_WRITE_ATTEMPTS = 5

/**
 * The file's text through the core's reader (as `loadConfig` reads it: regular files only, at most
 * 1 MiB, UTF-8); `null` when nothing is there.
 */
const readIfExists = async (file: string): Promise<string | null> => {
  try {
    return await readConfigText(file)
  } catch (error) {
    if (error instanceof ConfigFileError && error.missing) return null
    throw error
  }
}

/** {@link readIfExists} for a PATCH: a file that cannot be used as it is is a conflict, not a failure. */
const readForPatch = (file: string): Promise<string | null> =>
  readIfExists(file).catch((error: unknown) => {
    throw error instanceof ConfigInvalid || error instanceof ConfigFileError
      ? new ConfigFileConflict(error)
      : error
  })

const absentConflict = (file: string, text: string | null, waitedMs: number): ConfigConflict =>
  new ConfigConflict(
    file,
    text === null
      ? `The config file ${file} does not exist (it is the file in use). A PATCH does not recreate it from the ` +
          "defaults, which would lose its comments and every key it set: put the file back, then retry the change."
      : `The config file ${file} is empty (still after ${waitedMs} ms). A PATCH does not rewrite it from the ` +
          "defaults, which would lose its comments and every key it set: if an editor is saving it, retry the " +
          "change; to start over, write {} to it.",
  )

// Changes made and files created are notices; everything else the keeper says is a problem.
const NOTICE = /: applied |^created |takes effect at the next start/

/**
 * The server's config file keeper as a service: watching from start, closed with the server.
 * `PATCH /global/config` reaches it through the request context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ConfigWatch } from "./watch.ts"
 *
 * const fileInUse = Effect.gen(function* () {
 *   return (yield* ConfigWatch).path()
 * })
 * ```
 */
export class ConfigWatch extends Context.Service<ConfigWatch, ConfigFile>()("@tether/server/ConfigWatch") {
  static readonly layer: Layer.Layer<ConfigWatch, never, LiveConfig | EventBus> = Layer.effect(
    ConfigWatch,
    Effect.gen(function* () {
      const live = yield* LiveConfig
      const bus = yield* EventBus
      const { log } = yield* Telemetry
      const file = makeConfigFile({
        live: { current: live.current, set: (next) => Effect.runPromise(live.set(next)) },
        publish: (input) => Effect.runPromise(bus.announce(input)),
        path: live.path,
        log: (line) => (NOTICE.test(line) ? log.info(line) : log.warn(line)),
      })
      // Attached before the server listens: an edit made right after the listening line is seen.
      yield* Effect.promise(() => file.start())
      yield* Effect.addFinalizer(() => Effect.promise(() => file.close()))
      return file
    }),
  )
}
