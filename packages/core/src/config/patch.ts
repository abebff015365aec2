/**
 * Applying a `PATCH /global/config` body: to a config value (deep merge) and to the config file's
 * text (surgical edits that keep the user's comments and formatting).
 *
 * @module
 */
import {
  applyEdits,
  createScanner,
  type FormattingOptions,
  findNodeAtLocation,
  type JSONPath,
  modify,
  type Node,
  parseTree,
} from "jsonc-parser"
import { parseJsonc } from "./jsonc.ts"
import { parseConfigText, validateConfig } from "./validate.ts"

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

const leadingWhitespace = (text: string, offset: number): { start: number; indent: string } => {
  let start = offset
  while (start > 0 && text[start - 1] !== "\n" && text[start - 1] !== "\r") start--
  return { start, indent: /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? "" }
}

/** The whitespace before `offset` when nothing else precedes it on its line, else `undefined`. */
const ownLineIndent = (text: string, offset: number): string | undefined => {
  const { start, indent } = leadingWhitespace(text, offset)
  return start + indent.length === offset ? indent : undefined
}

/**
 * Indentation and line ending as the text already uses them, so new lines fit in. The indent unit is
 * read from the keys (a key at depth d on its own line, indented d units), never from comments: a
 * ` * ` line of a block comment would otherwise make it one space.
 */
const detectFormatting = (text: string, root: Node | undefined): FormattingOptions => {
  const eol = text.includes("\r\n") ? "\r\n" : "\n"
  const queue: { node: Node; depth: number }[] = root === undefined ? [] : [{ node: root, depth: 0 }]
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const { node, depth } = item
    if (node.type !== "object") continue
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? []
      const indent = key === undefined ? undefined : ownLineIndent(text, key.offset)
      if (indent !== undefined && indent !== "") {
        if (indent.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol }
        if (indent.length % (depth + 1) === 0)
          return { insertSpaces: true, tabSize: indent.length / (depth + 1), eol }
      }
      if (value !== undefined) queue.push({ node: value, depth: depth + 1 })
    }
  }
  return { insertSpaces: true, tabSize: 2, eol }
}

/** JSON on one line, spaced as people write it by hand: `{ "a": [1, 2] }`. */
const compactJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map((item) => compactJson(item ?? null)).join(", ")}]`
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .filter((key) => own(value, key) !== undefined)
      .map((key) => `${JSON.stringify(key)}: ${compactJson(own(value, key))}`)
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`
  }
  return JSON.stringify(value) ?? "null"
}

const hasLineBreak = (text: string, node: Node): boolean =>
  /[\r\n]/.test(text.slice(node.offset, node.offset + node.length))

const indentUnit = (options: FormattingOptions): string =>
  options.insertSpaces ? " ".repeat(options.tabSize ?? 2) : "\t"

/**
 * Adds `key` to the object `node` as its last key, on a line of its own after anything that ends the
 * previous key's line (a comma, a `// comment`): jsonc-parser's `modify` inserts right after the
 * previous value, which moves that line's comment onto the new key. An object written on one line
 * gets the key on that line. `undefined` for `{}`, which `modify` opens up into lines.
 */
const insertProperty = (
  text: string,
  node: Node,
  key: string,
  value: unknown,
  options: FormattingOptions,
): string | undefined => {
  const last = node.children?.at(-1)
  const anchor = last === undefined ? node.offset + 1 : last.offset + last.length
  const scanner = createScanner(text, false)
  scanner.setPosition(anchor)
  let end = anchor
  let hasComma = false
  let lineEnds = false
  // A comma or comments on the rest of that line belong to the line above the new key.
  while (scanner.getPosition() < text.length) {
    scanner.scan()
    const first = text[scanner.getTokenOffset()]
    if (first === " " || first === "\t") continue
    if (first === "\n" || first === "\r") {
      lineEnds = true
      break
    }
    if (first === "," && last !== undefined && !hasComma) hasComma = true
    else if (first !== "/") break
    end = scanner.getPosition()
  }
  const comma = (entry: string): string => {
    const withEntry = `${text.slice(0, end)}${entry}${text.slice(end)}`
    return last === undefined || hasComma
      ? withEntry
      : `${withEntry.slice(0, anchor)},${withEntry.slice(anchor)}`
  }
  if (!lineEnds) {
    if (last === undefined) return undefined
    return comma(` ${JSON.stringify(key)}: ${compactJson(value)}${hasComma ? "," : ""}`)
  }

  const unit = indentUnit(options)
  const eol = options.eol ?? "\n"
  const keyOffset = last?.children?.[0]?.offset
  const indent =
    (keyOffset === undefined ? undefined : ownLineIndent(text, keyOffset)) ??
    `${leadingWhitespace(text, node.offset).indent}${unit}`
  const body = JSON.stringify(value, null, unit).replaceAll("\n", `${eol}${indent}`)
  return comma(`${eol}${indent}${JSON.stringify(key)}: ${body}${hasComma ? "," : ""}`)
}

/**
 * Writes a patch into the text of a config file with jsonc-parser's `modify`/`applyEdits`: only the
 * patched values change; comments, order, indentation and line endings stay as the user wrote them.
 * A new key goes last in its object, on its own line below any comment that ends the line above.
 * Same semantics as `mergeConfigPatch` (objects merge, arrays and scalars replace, `null` is a value),
 * so `parse(result)` equals `mergeConfigPatch(parse(text), patch)`. An empty `text` yields a new file.
 *
 * Throws `ConfigInvalid` (naming `file`, default `null`) when `text` is not valid JSONC or when the
 * patched config would be invalid (e.g. an unknown key in the patch), before any edit: nothing
 * invalid is ever returned.
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
  validateConfig(mergeConfigPatch(blank ? {} : parseJsonc(text, file), patch), file)
  const formattingOptions = detectFormatting(text, blank ? undefined : parseTree(text))
  let result = blank ? "" : text

  const apply = (path: JSONPath, value: unknown): void => {
    if (value === undefined) return
    const root = parseTree(result)
    const node = root === undefined ? undefined : findNodeAtLocation(root, path)
    // Merge key by key only into an object already there; anything else is replaced whole.
    if (isPlainObject(value) && node?.type === "object") {
      for (const key of Object.keys(value)) apply([...path, key], own(value, key))
      return
    }
    // A value written on one line is replaced on one line; `modify` would open it up into lines.
    if (node !== undefined && (isPlainObject(value) || Array.isArray(value)) && !hasLineBreak(result, node)) {
      result = `${result.slice(0, node.offset)}${compactJson(value)}${result.slice(node.offset + node.length)}`
      return
    }
    const parent =
      root === undefined || node !== undefined ? undefined : findNodeAtLocation(root, path.slice(0, -1))
    const key = path.at(-1)
    const inserted =
      parent?.type === "object" && typeof key === "string"
        ? insertProperty(result, parent, key, value, formattingOptions)
        : undefined
    result = inserted ?? applyEdits(result, modify(result, path, value, { formattingOptions }))
  }
  apply([], patch)
  const eol = formattingOptions.eol ?? "\n"
  if (blank && !result.endsWith(eol)) result += eol
  parseConfigText(result, file)
  return result
}
