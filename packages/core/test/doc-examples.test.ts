/**
 * Every `@example` in the JSDoc of src/ must compile against the real API: extracted into a
 * scratch folder inside this package (so `zod`/`jsonc-parser` resolve), `@tether/core` mapped to
 * src/index.ts, then checked with the repo's TypeScript compiler.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"

const pkg = join(import.meta.dir, "..")
// The workspace's own compiler (a root devDependency), found the way Node resolves it.
const tscBin = join(dirname(Bun.resolveSync("typescript/package.json", pkg)), "bin", "tsc")
const scratch = join(pkg, `.doc-examples-${process.pid}`)

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
})

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : []
  })

/** The ```ts blocks inside JSDoc comments, with the comment's leading ` * ` removed. */
const examples = (file: string): string[] => {
  const text = readFileSync(file, "utf8")
  return [...text.matchAll(/@example\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)].map((m) =>
    (m[1] ?? "")
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n"),
  )
}

test("every JSDoc @example in src/ type-checks against the package", async () => {
  mkdirSync(scratch, { recursive: true })
  const written: string[] = []
  for (const file of sources(join(pkg, "src"))) {
    examples(file).forEach((code, i) => {
      const name = `${relative(join(pkg, "src"), file).replaceAll("/", "__").replace(/\.ts$/, "")}-${i}.ts`
      writeFileSync(join(scratch, name), `${code}\nexport {}\n`)
      written.push(name)
    })
  }
  // Each public export has one; far fewer means the extraction broke, not that docs are fine.
  expect(written.length).toBeGreaterThan(30)
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      extends: "../../../tsconfig.base.json",
      compilerOptions: {
        types: ["bun"],
        noUnusedLocals: false,
        paths: { "@tether/core": ["../src/index.ts"], "@tether/core/wire": ["../src/wire/index.ts"] },
      },
      include: ["*.ts"],
    }),
  )
  const tsc = Bun.spawn([process.execPath, tscBin, "-p", join(scratch, "tsconfig.json")], {
    stdout: "pipe",
    stderr: "pipe",
  })
  const [out, err, code] = await Promise.all([
    new Response(tsc.stdout).text(),
    new Response(tsc.stderr).text(),
    tsc.exited,
  ])
  expect({ code, output: `${out}${err}`.trim() }).toEqual({ code: 0, output: "" })
}, 60_000)
