/**
 * Bytes of a config file to text. JSON is UTF-8 (RFC 8259): a file saved in another encoding is
 * refused where it goes wrong, since decoding it leniently would turn "café" into "caf\uFFFD" and
 * pass it on as if the user had written it.
 *
 * @module
 */
import { ConfigInvalid } from "./errors.ts"
import { positionAt } from "./jsonc.ts"
import { firstInvalidUtf8Byte } from "./utf8.ts"

const strict = new TextDecoder("utf-8", { fatal: true })
// Keeps a byte order mark as U+FEFF, so the column count below can skip it knowingly.
const keepBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

const isUtf16Bom = (bytes: Uint8Array): boolean =>
  (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)

/**
 * Decodes a config file's bytes as UTF-8, dropping a leading UTF-8 byte order mark (`parseJsonc`
 * skips one too, for text that did not come through here). Throws `ConfigInvalid` naming `file` when they are not UTF-8: the line and column of the
 * first bad byte, or that the file is UTF-16. `loadConfig` reads every file through it; a watcher that
 * re-reads the file should too.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises"
 * import { decodeConfigBytes, parseConfigText } from "@tether/core"
 * const file = "/srv/app/tether.jsonc"
 * const config = parseConfigText(decodeConfigBytes(await readFile(file), file), file)
 * ```
 */
export const decodeConfigBytes = (bytes: Uint8Array, file: string): string => {
  try {
    return strict.decode(bytes)
  } catch {
    if (isUtf16Bom(bytes)) {
      throw new ConfigInvalid(file, [
        {
          path: "",
          message: "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
        },
      ])
    }
    const at = firstInvalidUtf8Byte(bytes)
    // Everything before the first bad byte is valid UTF-8.
    const before = keepBom.decode(bytes.subarray(0, at))
    const start = before.charCodeAt(0) === 0xfeff ? 1 : 0
    const { line, column } = positionAt(before.slice(start), before.length - start)
    const byte = (bytes[at] ?? 0).toString(16).padStart(2, "0")
    throw new ConfigInvalid(file, [
      {
        path: "",
        message: `line ${line}, column ${column}: not valid UTF-8 (byte 0x${byte}); save the file as UTF-8`,
      },
    ])
  }
}
