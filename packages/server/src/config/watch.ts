/**
 * The config file in use, kept in step with the live config in both directions:
 *
 * - `patch` (for `PATCH /global/config`): deep-merge into the effective config, validate, write the
 *   file atomically (temp file + rename) with the patch applied to its text so comments and
 *   formatting stay, apply live, announce `config.updated`. Nothing is written or applied on error.
 *   With no file in use, `tether.jsonc` is created in the XDG config dir (`$XDG_CONFIG_HOME/tether`,
 *   `~/.config/tether`), the last place the lookup searches, so the next start finds it too.
 * - `start` (the watcher): a hand edit of the file while the server runs is picked up. A valid edit
 *   applies like a PATCH; an invalid one is logged with the core's message and the running config is kept.
 *
 * The directory is watched, not the file: editors save by writing a new file and renaming it over the
 * old one, which a watch on the old inode would miss. Events are debounced and the content compared
 * with the last text seen, so our own writes and editors' multi-step saves apply once.
 *
 * `server.port` and `server.hostname` cannot change under a listening socket: a new value is written
 * to the file (and logged) and takes effect at the next start; the live config keeps the bound ones.
 *
 * @module
 */
import { type FSWatcher, watch } from "node:fs"
import { chmod, mkdir, open, readFile, realpath, rename, stat, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import {
  applyPatchToConfigText,
  type Config,
  ConfigInvalid,
  decodeConfigBytes,
  defaultConfig,
  defaultConfigDir,
  EventType,
  mergeConfigPatch,
  parseConfigText,
  validateConfig,
} from "@tether/core"
import { Context, Effect, Layer } from "effect"
import { EventBus } from "../event/bus.ts"
import { bindRefusal, PASSWORD_ENV } from "../http/access.ts"
import { Telemetry } from "../observability/telemetry.ts"
import { LiveConfig } from "./service.ts"

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
}

/** The config file and its watcher. */
export interface ConfigFile {
  /** The file in use, or `null` until a PATCH creates one. */
  path(): string | null
  /**
   * Applies a `PATCH /global/config` body; resolves with the new effective config.
   * Rejects with `ConfigInvalid` (`file: null`) when the merged config is invalid, or with
   * {@link ConfigFileConflict} when the file on disk is itself invalid (fix it first). Nothing changes then.
   */
  patch(patch: unknown): Promise<Config>
  /** Starts watching the file for hand edits; resolves once the watchers are attached. */
  start(): Promise<void>
  /** Stops watching; waits for a change in progress. */
  close(): Promise<void>
}

/**
 * The file on disk is not valid JSONC or not a valid config (a hand edit in progress): a PATCH cannot
 * be applied to its text. `invalid` holds the core's error naming the file and the problem.
 */
export class ConfigFileConflict extends Error {
  override readonly name = "ConfigFileConflict"
  constructor(readonly invalid: ConfigInvalid) {
    super(`${invalid.message}\nFix the config file by hand, then retry the change.`)
  }

  toJSON(): { name: string; message: string; issues: ConfigInvalid["issues"] } {
    return { name: this.name, message: this.message, issues: this.invalid.issues }
  }
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
    const { port, hostname } = options.live.current().server
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
    const next: Config = { ...fileConfig, server: { ...fileConfig.server, port, hostname } }
    const changed = await options.live.set(next)
    if (changed.length > 0) {
      log(`${origin}: applied ${changed.join(", ")}`)
      try {
        await options.publish({ type: EventType.ConfigUpdated, properties: { config: next, changed } })
      } catch (error) {
        // The change is made and written; only its announcement failed.
        log(
          `config.updated could not be published: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
    return options.live.current()
  }
  // The address the file asks for, as last read: set from the file's text before any change applies.
  let fileAddress: string | undefined
  const noteFileAddress = (text: string | null, file: string): void => {
    if (fileAddress !== undefined) return
    let config = defaultConfig()
    try {
      if (text !== null) config = parseConfigText(text, file)
    } catch {
      // Invalid now (a hand edit in progress): the defaults are the best guess of what it asked.
    }
    fileAddress = addressOf(config)
  }

  const nextStartRefusal = (config: Config): string | null =>
    bindRefusal(config.server.hostname, (options.env ?? process.env)[PASSWORD_ENV]) === null
      ? null
      : `${config.server.hostname} is not a loopback address and ${PASSWORD_ENV} is not set: the next start ` +
        "would refuse to listen there. Set the password in the server's environment, or keep a loopback address"

  const patch = (body: unknown): Promise<Config> =>
    serial(async () => {
      const merged = validateConfig(mergeConfigPatch(options.live.current(), body), null)
      // Valid in itself, but the next start would refuse to listen there: say so now, not at that start.
      const refusal = nextStartRefusal(merged)
      if (refusal !== null) throw new ConfigInvalid(null, [{ path: "server.hostname", message: refusal }])
      const target = path ?? join(defaultConfigDir(options.env ?? process.env), CREATED_CONFIG_NAME)
      const before = await readIfExists(target).catch((error: unknown) => {
        // Not UTF-8 on disk: the file is at fault, not the patch.
        throw error instanceof ConfigInvalid ? new ConfigFileConflict(error) : error
      })
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
      await writeAtomically(target, text)
      // Set after the write: the watcher's read is queued behind this task, so it sees the new text.
      lastText = text
      if (path === null) {
        path = target
        log(`created ${target} (no config file was in use)`)
        if (watching !== null) watching = watchFile()
      }
      return applyLive(fileConfig, "PATCH /global/config")
    })

  const reload = (): Promise<void> =>
    serial(async () => {
      if (path === null || closed) return
      const file = path
      let text: string | null
      try {
        text = await readIfExists(file)
      } catch (error) {
        if (!(error instanceof ConfigInvalid)) throw error
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

const NEW_FILE_HEADER =
  "// Tether config, created by PATCH /global/config. Every key: `tether config schema`.\n"

/** The file's text, decoded strictly as `loadConfig` does (non-UTF-8 → `ConfigInvalid`); `null` when absent. */
const readIfExists = async (file: string): Promise<string | null> => {
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") return null
    throw error
  }
  return decodeConfigBytes(bytes, file)
}

/**
 * Replaces a file's content atomically: readers see the old file or the new one, never half of it.
 * A symlink is followed (its target is replaced, the link stays); the file keeps its mode.
 */
export const writeAtomically = async (file: string, text: string): Promise<void> => {
  const target = await realpath(file).catch(() => file)
  await mkdir(dirname(target), { recursive: true })
  const mode = await stat(target).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  )
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  )
  const handle = await open(temp, "wx", mode)
  try {
    await handle.writeFile(text, "utf8")
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await chmod(temp, mode)
    await rename(temp, target)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}

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
        publish: (input) => Effect.runPromise(bus.publish(input)),
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
