/**
 * Applying a `PATCH /global/config` body: to a config value (deep merge) and to the config file's
 * text (surgical edits that keep the user's comments and formatting).
 *
 * @module
 */
import {
  applyEdits,
  type FormattingOptions,
  findNodeAtLocation,
  type JSONPath,
  modify,
  parseTree,
} from "jsonc-parser"
import { parseJsonc } from "./jsonc.ts"
import { parseConfigText } from "./validate.ts"

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// Object.fromEntries defines own properties, so a "__proto__" key stays a plain (invalid) key
// instead of replacing the prototype; validation then reports it as unknown.
// Own properties only: `base.__proto__` must read as absent, not as Object.prototype.
const own = (object: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(object, key) ? object[key] : undefined

const entriesToObject = (entries: [string, unknown][]): Record<string, unknown> => Object.fromEntries(entries)

/**
 * Deep-merges a patch into a config value, returning a new value (inputs are not changed).
 * Objects merge key by key; arrays and scalars replace; `null` in a patch is a value (not a delete);
 * a key whose patch value is `undefined` is left as it is. Where `base` has no object to merge into,
 * the patch's value is taken whole (shared, not copied, as arrays always are), so a hostile patch
 * nested thousands of levels deep costs no recursion. The result is not validated: pass it to
 * `validateConfig`, which rejects any unknown key the patch brought in.
 *
 * @example
 * ```ts
 * import { mergeConfigPatch, validateConfig } from "@tether/core"
 * const merged = mergeConfigPatch(
 *   { server: { port: 8080, cors: ["http://a.test"] } },
 *   { server: { event_stream: { heartbeat_ms: 1000 }, cors: ["http://b.test"] } },
 * )
 * // { server: { port: 8080, cors: ["http://b.test"], event_stream: { heartbeat_ms: 1000 } } }
 * validateConfig(merged, null)
 * ```
 */
export const mergeConfigPatch = (base: unknown, patch: unknown): unknown => {
  if (patch === undefined) return base
  if (!isPlainObject(patch) || !isPlainObject(base)) return patch
  const keys = [...new Set([...Object.keys(base), ...Object.keys(patch)])]
  return entriesToObject(keys.map((key) => [key, mergeConfigPatch(own(base, key), own(patch, key))]))
}

/** Indentation and line ending as the text already uses them, so new lines fit in. */
const detectFormatting = (text: string): FormattingOptions => {
  const eol = text.includes("\r\n") ? "\r\n" : "\n"
  const indent = /^([ \t]+)\S/m.exec(text)?.[1]
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol }
  return { insertSpaces: true, tabSize: indent?.length ?? 2, eol }
}

/**
 * Writes a patch into the text of a config file with jsonc-parser's `modify`/`applyEdits`: only the
 * patched values change; comments, order, indentation and line endings stay as the user wrote them.
 * Same semantics as `mergeConfigPatch` (objects merge, arrays and scalars replace, `null` is a value),
 * so `parse(result)` equals `mergeConfigPatch(parse(text), patch)`. An empty `text` yields a new file.
 *
 * Throws `ConfigInvalid` (naming `file`, default `null`) when `text` is not valid JSONC or when the
 * patched config would be invalid (e.g. an unknown key in the patch): nothing invalid is ever returned.
 *
 * @example
 * ```ts
 * import { applyPatchToConfigText } from "@tether/core"
 * const text = '{\n  // beat often\n  "server": { "event_stream": { "heartbeat_ms": 5000 } }\n}\n'
 * applyPatchToConfigText(text, { server: { event_stream: { heartbeat_ms: 1000 } } })
 * // '{\n  // beat often\n  "server": { "event_stream": { "heartbeat_ms": 1000 } }\n}\n'
 * ```
 */
export const applyPatchToConfigText = (text: string, patch: unknown, file: string | null = null): string => {
  const blank = text.trim() === ""
  if (!blank) parseJsonc(text, file)
  const formattingOptions = detectFormatting(text)
  let result = blank ? "" : text

  const apply = (path: JSONPath, value: unknown): void => {
    if (value === undefined) return
    const root = parseTree(result)
    const node = root === undefined ? undefined : findNodeAtLocation(root, path)
    // Merge key by key only into an object already there; anything else is replaced whole.
    if (isPlainObject(value) && node?.type === "object") {
      for (const key of Object.keys(value)) apply([...path, key], own(value, key))
    } else {
      result = applyEdits(result, modify(result, path, value, { formattingOptions }))
    }
  }
  apply([], patch)
  const eol = formattingOptions.eol ?? "\n"
  if (blank && !result.endsWith(eol)) result += eol
  parseConfigText(result, file)
  return result
}
