/**
 * The one way a config file is read: at start, by the server's watcher and PATCH, and by
 * `tether config validate`. Regular files only, at most 1 MiB, and nothing that can block.
 *
 * @module
 */
import { constants, type Stats } from "node:fs"
import { open, readlink, stat } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { decodeConfigBytes } from "./decode.ts"
import { ConfigFileError } from "./errors.ts"
import { readCapped } from "./read-capped.ts"

/**
 * The most bytes a config file may hold. A config is a few hundred bytes; the cap keeps a wrong
 * file (a log, a disk image) from eating memory.
 *
 * @example
 * ```ts
 * import { MAX_CONFIG_BYTES } from "@tether/core"
 * console.log(MAX_CONFIG_BYTES) // 1048576
 * ```
 */
export const MAX_CONFIG_BYTES = 1024 * 1024

// O_NONBLOCK: a FIFO swapped in between the stat and the open must not block the open (it would
// wait for a writer forever, and every later read and the shutdown behind it). O_NOCTTY: a terminal
// must not become the controlling one.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  ENOTDIR: "no such file (a parent is not a directory)",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ELOOP: "too many levels of symbolic links",
}

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined

/** What a file that is not regular is, in words. */
const kindOf = (info: Stats): string =>
  info.isDirectory()
    ? "a directory"
    : info.isFIFO()
      ? "a FIFO (named pipe)"
      : info.isCharacterDevice()
        ? "a character device"
        : info.isBlockDevice()
          ? "a block device"
          : info.isSocket()
            ? "a socket"
            : "not a regular file"

/** Where `path` points when it is a symbolic link (absolute), else `undefined`. */
const linkTarget = async (path: string): Promise<string | undefined> => {
  try {
    return resolve(dirname(path), await readlink(path))
  } catch {
    return undefined
  }
}

/** "it is a FIFO (named pipe)", or "it is a symbolic link to /dev/zero, a character device". */
const notRegular = async (path: string, info: Stats): Promise<string> => {
  const target = await linkTarget(path)
  const what =
    target === undefined ? `it is ${kindOf(info)}` : `it is a symbolic link to ${target}, ${kindOf(info)}`
  return `${what}; a config file must be a regular file`
}

const fail = (path: string, origin: string | undefined, reason: string, missing: boolean, cause?: unknown) =>
  new ConfigFileError(
    path,
    `Cannot read config file ${path}${origin === undefined ? "" : ` (${origin})`}: ${reason}`,
    { cause, missing },
  )

/** Why the open or stat of `path` failed, in words; a dangling symbolic link names its target. */
const describeFailure = async (
  path: string,
  origin: string | undefined,
  error: unknown,
): Promise<ConfigFileError> => {
  const code = errorCode(error)
  const target = code === "ENOENT" ? await linkTarget(path) : undefined
  if (target !== undefined) {
    return fail(path, origin, `it is a symbolic link to ${target}, which does not exist`, false, error)
  }
  const reason = (code !== undefined ? REASONS[code] : undefined) ?? String(error)
  return fail(path, origin, reason, code === "ENOENT" || code === "ENOTDIR", error)
}

/**
 * The bytes of the config file at `path` (a symbolic link is followed). Throws `ConfigFileError`
 * naming the file, `origin` (how it was found, e.g. `"given by --config"`) and the reason when it
 * cannot be used: missing (`error.missing` is then `true`), a directory, a FIFO, a device or a socket
 * (never opened in a way that blocks, and checked again on the opened descriptor, so a swap between
 * the check and the open is caught), larger than {@link MAX_CONFIG_BYTES}, or unreadable.
 *
 * @example
 * ```ts
 * import { ConfigFileError, readConfigBytes } from "@tether/core"
 * try {
 *   const bytes = await readConfigBytes("/srv/app/tether.jsonc")
 *   console.log(bytes.byteLength)
 * } catch (error) {
 *   if (error instanceof ConfigFileError) console.log(error.missing ? "no file" : error.message)
 * }
 * ```
 */
export const readConfigBytes = async (path: string, origin?: string): Promise<Uint8Array> => {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    // Checked before opening: opening a FIFO, or some devices, has effects of its own.
    const info = await stat(path)
    if (!info.isFile()) throw fail(path, origin, await notRegular(path, info), false)
    handle = await open(path, OPEN_FLAGS)
  } catch (error) {
    throw error instanceof ConfigFileError ? error : await describeFailure(path, origin, error)
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw fail(path, origin, await notRegular(path, info), false)
    // Position null: read on from where the last read stopped.
    const bytes = await readCapped(
      async (buffer) => (await handle.read(buffer, 0, buffer.byteLength, null)).bytesRead,
      MAX_CONFIG_BYTES,
    )
    if (bytes === null) {
      throw fail(
        path,
        origin,
        `it is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB, far more than any config`,
        false,
      )
    }
    return bytes
  } catch (error) {
    throw error instanceof ConfigFileError ? error : await describeFailure(path, origin, error)
  } finally {
    await handle.close()
  }
}

/**
 * The text of the config file at `path`: {@link readConfigBytes}, then decoded strictly as UTF-8
 * (`decodeConfigBytes`, which throws `ConfigInvalid` at the first byte that is not).
 *
 * @example
 * ```ts
 * import { parseConfigText, readConfigText } from "@tether/core"
 * const file = "/srv/app/tether.jsonc"
 * const config = parseConfigText(await readConfigText(file), file)
 * ```
 */
export const readConfigText = async (path: string, origin?: string): Promise<string> =>
  decodeConfigBytes(await readConfigBytes(path, origin), path)
