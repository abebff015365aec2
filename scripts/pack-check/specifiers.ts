/**
 * @module
 * Finds the module specifiers a built file imports, so the pack check can prove each one resolves
 * inside the tarball or to a declared dependency.
 */

const jsTranspiler = new Bun.Transpiler({ loader: "js" })

/** Specifiers imported by ESM JavaScript: static imports, re-exports and literal dynamic imports. */
export function jsSpecifiers(code: string): string[] {
  // A bin's shebang line is not JavaScript to the transpiler.
  const body = code.startsWith("#!") ? code.slice(code.indexOf("\n") + 1) : code
  return jsTranspiler.scanImports(body).map((entry) => entry.path)
}

/**
 * Blanks out comments so that `@example` blocks in JSDoc are not taken for imports. Strings are
 * skipped over whole, so a `"./*"` or `"https://…"` in a string literal type is kept.
 */
export function stripComments(code: string): string {
  let out = ""
  let i = 0
  while (i < code.length) {
    const char = code[i]
    const next = code[i + 1]
    if (char === '"' || char === "'" || char === "`") {
      let j = i + 1
      while (j < code.length && code[j] !== char) {
        if (code[j] === "\\") j++
        j++
      }
      out += code.slice(i, j + 1)
      i = j + 1
    } else if (char === "/" && next === "/") {
      const end = code.indexOf("\n", i)
      i = end === -1 ? code.length : end
    } else if (char === "/" && next === "*") {
      const end = code.indexOf("*/", i + 2)
      const comment = code.slice(i, end === -1 ? code.length : end + 2)
      out += comment.replace(/[^\n]/g, " ")
      i = end === -1 ? code.length : end + 2
    } else {
      out += char
      i++
    }
  }
  return out
}

const DTS_IMPORT_PATTERNS = [
  /\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
]

/** What a declaration file refers to: module specifiers and triple-slash references. */
export interface DtsReferences {
  specifiers: string[]
  /** `/// <reference types="…" />` */
  types: string[]
  /** `/// <reference path="…" />` */
  paths: string[]
}

/** Specifiers and triple-slash references of a `.d.ts` file, type-only imports included. */
export function dtsReferences(code: string): DtsReferences {
  const types: string[] = []
  const paths: string[] = []
  for (const match of code.matchAll(/^\/\/\/\s*<reference\s+(types|path)\s*=\s*["']([^"']+)["']/gm)) {
    if (match[1] === "types") types.push(match[2] ?? "")
    else paths.push(match[2] ?? "")
  }
  const code2 = stripComments(code)
  const specifiers = new Set<string>()
  for (const pattern of DTS_IMPORT_PATTERNS) {
    for (const match of code2.matchAll(pattern)) if (match[1]) specifiers.add(match[1])
  }
  return { specifiers: [...specifiers], types, paths }
}

/** The package a bare specifier names: `zod/v4` → `zod`, `@tether/core/browser` → `@tether/core`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier)
}

/** Whether a specifier is relative to the importing file. */
export function isRelative(specifier: string): boolean {
  return specifier === "." || specifier === ".." || specifier.startsWith("./") || specifier.startsWith("../")
}
