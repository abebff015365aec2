/**
 * The two ways a `PATCH /global/config` meets a config file it must not write (both 409, nothing
 * changed): the file is unusable as it is (`ConfigFileConflict`: fix it first), or it is in the middle
 * of changing (`ConfigConflict`: retry).
 *
 * @module
 */
import type { ConfigFileError, ConfigInvalid } from "@tether/core"

/**
 * The file on disk cannot take a PATCH as it is: not valid JSONC or not a valid config (a hand edit in
 * progress), not UTF-8, or not a regular file at all (a FIFO, a device, a symbolic link to one, over
 * 1 MiB). `cause` is the core's error naming the file and the problem.
 *
 * @example
 * ```ts
 * import { ConfigFileError } from "@tether/core"
 * import { ConfigFileConflict } from "./conflicts.ts"
 * const conflict = new ConfigFileConflict(
 *   new ConfigFileError("/srv/tether.jsonc", "Cannot read config file /srv/tether.jsonc: it is a FIFO (named pipe); a config file must be a regular file"),
 * )
 * console.log(JSON.stringify({ error: conflict.toJSON() }))
 * ```
 */
export class ConfigFileConflict extends Error {
  override readonly name = "ConfigFileConflict"
  constructor(override readonly cause: ConfigInvalid | ConfigFileError) {
    super(`${cause.message}\nFix the config file by hand, then retry the change.`)
  }

  toJSON(): { name: string; message: string; issues?: ConfigInvalid["issues"] } {
    return "issues" in this.cause
      ? { name: this.name, message: this.message, issues: this.cause.issues }
      : { name: this.name, message: this.message }
  }
}

/**
 * The file in use is changing under the PATCH: empty or missing for longer than an editor's save
 * takes (a PATCH never rewrites it from defaults, which would drop its comments and every key it
 * sets), or edited again each time the PATCH was about to write. Nothing was written: retry.
 *
 * @example
 * ```ts
 * import { ConfigConflict } from "./conflicts.ts"
 * const conflict = new ConfigConflict("/srv/tether.jsonc", "The config file /srv/tether.jsonc is empty …")
 * console.log(conflict.toJSON().name) // ConfigConflict
 * ```
 */
export class ConfigConflict extends Error {
  override readonly name = "ConfigConflict"
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message)
  }

  toJSON(): { name: string; message: string; file: string } {
    return { name: this.name, message: this.message, file: this.file }
  }
}
