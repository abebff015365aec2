/**
 * The contracts in docs/ stay in step with the code that implements them: every error name the server
 * can answer is in docs/http-api.md's table, every route has its section there, and every config key the
 * schema knows is in docs/config.md with its default. A change that adds one without its
 * documentation fails here, naming what is missing.
 */
import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Glob } from "bun"
import { ROOT } from "./pack-check/workspace.ts"

const doc = (name: string) => readFileSync(join(ROOT, "docs", name), "utf8")

/** Error names in the server's source: `errorResponse(4xx, "Name"`, `HttpError(…)`, `name = "Name"`. */
const serverErrorNames = async (): Promise<string[]> => {
  const names = new Set<string>()
  for await (const file of new Glob("packages/server/src/**/*.ts").scan(ROOT)) {
    if (file.endsWith(".test.ts")) continue
    const text = await Bun.file(join(ROOT, file)).text()
    for (const match of text.matchAll(/(?:errorResponse|fail|HttpError)\(\s*\d{3},\s*"(\w+)"/g)) {
      names.add(match[1] as string)
    }
    for (const match of text.matchAll(/\bname(?: =|:) "([A-Z]\w+)"/g)) names.add(match[1] as string)
  }
  return [...names].sort()
}

test("docs/http-api.md lists every error name the server answers with", async () => {
  const names = await serverErrorNames()
  expect(names).toContain("EventLogError")
  const documented = new Set(
    [...doc("http-api.md").matchAll(/^\| \d{3}\s+\| `(\w+)`/gm)].map((match) => match[1] as string),
  )
  expect(names.filter((name) => !documented.has(name))).toEqual([])
})

// Read from the route table's text, not imported: the server's modules resolve their workspace imports
// through the `@tether/source` condition, which `bun test ./scripts` does not set.
const routeKeys = (): string[] =>
  [
    ...readFileSync(join(ROOT, "packages/server/src/http/routes.ts"), "utf8").matchAll(
      /^\s*"([A-Z]+ \/[^"]*)":/gm,
    ),
  ].map((match) => match[1] as string)

test("docs/http-api.md has a section for every route", () => {
  const headings = new Set(
    [...doc("http-api.md").matchAll(/^### `([A-Z]+ \/\S+)`$/gm)].map((match) => match[1] as string),
  )
  const keys = routeKeys()
  expect(keys).toContain("GET /global/event")
  expect(keys.filter((route) => !headings.has(route))).toEqual([])
})

/** Key → default of a Markdown table whose rows start with a `server.…` key, the default in column `column`. */
const defaults = (markdown: string, column: number): Map<string, string> => {
  const rows = new Map<string, string>()
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim())
    const key = /^`(server\.[\w.]+)`$/.exec(cells[1] ?? "")?.[1]
    if (key !== undefined) rows.set(key, (cells[column] ?? "").split(" ")[0] ?? "")
  }
  return rows
}

// packages/core/test/readme.test.ts holds the core README's table to the schema (every key, its range and
// default); holding docs/config.md to that table covers the schema without walking it twice.
test("docs/config.md lists every config key with the schema's default, as the core README does", () => {
  const core = defaults(readFileSync(join(ROOT, "packages/core/README.md"), "utf8"), 4)
  const documented = defaults(doc("config.md"), 3)
  expect(core.size).toBeGreaterThan(5)
  for (const [key, value] of core)
    expect({ key, default: documented.get(key) }).toEqual({ key, default: value })
})
