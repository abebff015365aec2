import { describe, expect, test } from "bun:test"
import { dtsReferences, isRelative, jsSpecifiers, packageOf, stripComments } from "./specifiers.ts"

describe("jsSpecifiers", () => {
  test("static imports, re-exports and literal dynamic imports", () => {
    const code = `import { a } from "./a.js"\nexport * from "zod"\nconst b = await import("./b.js")\nexport { c } from "@tether/core/browser"\n`
    expect(jsSpecifiers(code).sort()).toEqual(["./a.js", "./b.js", "@tether/core/browser", "zod"])
  })

  test("a bin's shebang line is skipped", () => {
    expect(jsSpecifiers('#!/usr/bin/env bun\nimport { main } from "./cli/main.js"\n')).toEqual([
      "./cli/main.js",
    ])
  })
})

describe("dtsReferences", () => {
  test("type-only imports, import() types and triple-slash references", () => {
    const code = [
      '/// <reference types="bun" />',
      '/// <reference path="./globals.d.ts" />',
      'import type { Config } from "@tether/core"',
      'export type Log = import("./event/log.js").Log',
      'export * from "./config/errors.ts"',
      'import "./side-effect.js"',
    ].join("\n")
    expect(dtsReferences(code)).toEqual({
      specifiers: ["@tether/core", "./config/errors.ts", "./event/log.js", "./side-effect.js"],
      types: ["bun"],
      paths: ["./globals.d.ts"],
    })
  })

  test("imports shown in JSDoc examples are not imports", () => {
    const code = [
      "/**",
      " * @example",
      " * ```ts",
      ' * import { createTetherClient } from "@tether/sdk"',
      " * ```",
      " */",
      "export declare function f(): void // see import('./not-real.js')",
    ].join("\n")
    expect(dtsReferences(code).specifiers).toEqual([])
  })
})

describe("stripComments", () => {
  test("keeps strings that look like comments, keeps line numbers", () => {
    const code = 'type A = "./*"\n/* gone\n still gone */ type B = "https://example.test" // gone\n'
    const stripped = stripComments(code)
    expect(stripped).toContain('"./*"')
    expect(stripped).toContain('"https://example.test"')
    expect(stripped).not.toContain("gone")
    expect(stripped.split("\n").length).toBe(code.split("\n").length)
  })
})

test("packageOf names the package of a bare specifier", () => {
  expect(packageOf("zod")).toBe("zod")
  expect(packageOf("zod/v4/core")).toBe("zod")
  expect(packageOf("@tether/core")).toBe("@tether/core")
  expect(packageOf("@tether/core/browser")).toBe("@tether/core")
})

test("isRelative", () => {
  expect(["./a.js", "../b.js", ".", ".."].map(isRelative)).toEqual([true, true, true, true])
  expect(["zod", "@tether/core", "node:fs", ".hidden"].map(isRelative)).toEqual([false, false, false, false])
})
