/**
 * The contracts in docs/ stay in step with the code that implements them: every error name the server
 * can answer is in docs/http-api.md's table, every route has its section there, and every config key the
 * schema knows is in docs/config.md with its default, every built-in event type is listed as reserved
 * at publish, and the limits and headers stated (nesting, password length, the app's policy) are the
 * code's; every `tether serve` flag and variable its `--help` prints is in docs/config.md, every metric the
 * server registers is in its README's table, and every link and file path in docs/ and the READMEs
 * resolves (files get renamed). A change that adds one without its documentation fails here, naming what is
 * missing.
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

/** The text of a source file of the workspace (read, not imported: see `routeKeys`). */
const source = (path: string): string => readFileSync(join(ROOT, path), "utf8")

/** The section of a Markdown page under `heading` (a whole heading line), up to the next heading of any level. */
const section = (markdown: string, heading: string): string => {
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start === -1) throw new Error(`no heading ${heading}`)
  const rest = markdown.slice(start + heading.length + 2)
  const end = rest.search(/^#{1,6} /m)
  return end === -1 ? rest : rest.slice(0, end)
}

// Read from the route table's text, not imported: the server's modules resolve their workspace imports
// through the `@tether/source` condition, which `bun test ./scripts` does not set.
const routeKeys = (): string[] =>
  [
    ...readFileSync(join(ROOT, "packages/server/src/http/routes.ts"), "utf8").matchAll(
      /^\s*"([A-Z]+ \/[^"]*)":/gm,
    ),
  ].map((match) => match[1] as string)

test("docs/http-api.md has a section for every route, and every other section says it is a target", () => {
  const headings = new Set(
    [...doc("http-api.md").matchAll(/^### `([A-Z]+ \/\S+)`$/gm)].map((match) => match[1] as string),
  )
  const keys = routeKeys()
  expect(keys).toContain("GET /global/event")
  expect(keys.filter((route) => !headings.has(route))).toEqual([])
  // And the reverse: a documented endpoint the server does not route says it is not served yet.
  const unserved = [...headings].filter(
    (route) =>
      !keys.includes(route) && !section(doc("http-api.md"), `### \`${route}\``).includes("target behaviour"),
  )
  expect(unserved).toEqual([])
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

test("docs name every built-in event type as reserved at publish, and as one a client can trust", () => {
  const types = [
    ...(
      /export const EventType = \{([^}]*)\}/.exec(source("packages/core/src/wire/events.ts"))?.[1] ?? ""
    ).matchAll(/:\s*"([^"]+)"/g),
  ].map((match) => match[1] as string)
  expect(types).toContain("config.updated")
  // The lists themselves: the parenthesis after "`EventType`" in the publish rules, and after "built-in
  // `type`" in the protocol's promise to clients (each page also names a type elsewhere, in prose).
  const listed = (text: string, before: string): string => {
    const found = new RegExp(
      `${before.replaceAll("`", "\\`").replaceAll(" ", "\\s+")}\\s+\\(([^)]*)\\)`,
    ).exec(text)
    expect({ before, found: found !== null }).toEqual({ before, found: true })
    return found?.[1] ?? ""
  }
  const publish = section(doc("http-api.md"), "### `POST /global/event`")
  expect(publish).toContain("every `server.*` type")
  const reserved = listed(publish, "`EventType`")
  expect(types.filter((type) => !reserved.includes(`\`${type}\``))).toEqual([])
  const trusted = listed(section(doc("protocol.md"), "## Frames"), "built-in `type`")
  expect(types.filter((type) => !trusted.includes(`\`${type}\``))).toEqual([])
})

test("docs state the limits and headers the server enforces: nesting, password length, the app's policy", () => {
  const http = doc("http-api.md")
  const nesting = /export const MAX_PROPERTIES_DEPTH = (\d+)/.exec(
    source("packages/core/src/wire/envelope.ts"),
  )?.[1]
  expect(nesting).toBeDefined()
  expect(section(http, "### `POST /global/event`")).toContain(`nested more than ${nesting} levels`)
  const access = source("packages/server/src/config/bind-policy.ts")
  const longest = /export const MAX_PASSWORD_LENGTH = (\d+)/.exec(access)?.[1]
  expect(longest).toBeDefined()
  expect(section(http, "### What a password may be")).toContain(`1 to ${longest} characters`)
  const policy = [
    ...(
      /CONTENT_SECURITY_POLICY = \[([^\]]*)\]/.exec(source("packages/server/src/http/static.ts"))?.[1] ?? ""
    ).matchAll(/"([^"]+)"/g),
  ].map((match) => match[1] as string)
  expect(policy).toContain("frame-ancestors 'none'")
  expect(section(http, "## The app")).toContain(`| \`Content-Security-Policy\` | \`${policy.join("; ")}\` |`)
})

test("docs/config.md names every flag `tether serve --help` prints", () => {
  const help = Bun.spawnSync(
    ["bun", "--conditions=@tether/source", "packages/server/src/cli/bin.ts", "serve", "--help"],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: 30_000 },
  )
  expect(help.exitCode).toBe(0)
  const usage = help.stdout.toString().split("\nEnvironment:")[0] ?? ""
  const flags = [...new Set([...usage.matchAll(/--[a-z][a-z-]*/g)].map((match) => match[0]))]
  expect(flags).toContain("--redis-url")
  expect(flags).toContain("--log-format")
  const config = doc("config.md")
  expect(flags.filter((flag) => !config.includes(`\`${flag}`))).toEqual([])
  // And the environment it lists.
  const variables = [
    ...(help.stdout.toString().split("\nEnvironment:")[1] ?? "").matchAll(/^ {2}([A-Z_]+) /gm),
  ]
  expect(variables.length).toBeGreaterThan(3)
  expect(variables.map((match) => match[1]).filter((name) => !config.includes(`\`${name}\``))).toEqual([])
})

test("the server README's metric table names every metric the server registers", () => {
  const names = [
    ...source("packages/server/src/observability/metrics.ts").matchAll(/\bname: "(tether_\w+)"/g),
  ].map((match) => match[1] as string)
  expect(names).toContain("tether_streams_open")
  const table = section(readFileSync(join(ROOT, "packages/server/README.md"), "utf8"), "## Metrics")
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .join("\n")
  expect(names.filter((name) => !new RegExp(`\`${name}[{\`]`).test(table))).toEqual([])
})

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replaceAll(" ", "-")

const anchors = (markdown: string): Set<string> =>
  new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1] as string)))

test("links in docs/ and the READMEs reach a file that exists, and a heading that exists", () => {
  const pages = [
    ...["README.md", "protocol.md", "http-api.md", "config.md", "several-instances.md"].map((name) =>
      join("docs", name),
    ),
    "README.md",
    ...["core", "server", "sdk", "app"].map((name) => join("packages", name, "README.md")),
  ]
  const broken: string[] = []
  for (const page of pages) {
    const text = readFileSync(join(ROOT, page), "utf8")
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] as string
      if (/^[a-z]+:/.test(target)) continue
      const [path, hash] = target.split("#") as [string, string | undefined]
      const file = path === "" ? page : join(page, "..", path)
      let body: string
      try {
        body = readFileSync(join(ROOT, file), "utf8")
      } catch {
        // A folder (`packages/core`) is a fine link target.
        if (Bun.spawnSync(["test", "-d", join(ROOT, file)]).exitCode !== 0) broken.push(`${page}: ${target}`)
        continue
      }
      if (hash !== undefined && file.endsWith(".md") && !anchors(body).has(hash))
        broken.push(`${page}: ${target}`)
    }
  }
  expect(broken).toEqual([])
})

test("every source or test file that docs/ and the READMEs name exists", () => {
  // Examples of paths a user would create, not files of the repository.
  const examples = new Set(["docs/my.jsonc"])
  const exists = (path: string) => Bun.spawnSync(["test", "-e", join(ROOT, path)]).exitCode === 0
  const missing: string[] = []
  // A package README may name a path from the repository's root or from its own folder.
  const check = (page: string, bases: readonly string[]) => {
    const text = readFileSync(join(ROOT, page), "utf8")
    for (const match of text.matchAll(/`((?:packages|scripts|bench|docs|src|test)\/[\w./-]+)`/g)) {
      const path = match[1] as string
      if (!examples.has(path) && !bases.some((base) => exists(join(base, path))))
        missing.push(`${page}: ${path}`)
    }
  }
  for (const name of ["README.md", "protocol.md", "http-api.md", "config.md", "several-instances.md"])
    check(join("docs", name), [""])
  check("README.md", [""])
  for (const name of ["core", "server", "sdk", "app"])
    check(join("packages", name, "README.md"), ["", join("packages", name)])
  expect(missing).toEqual([])
})
