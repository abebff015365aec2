/**
 * @module
 * Type-checks consumer files against the published `.d.ts` files with `skipLibCheck` off, the
 * strictest thing a user's project can do to them, under the two module resolutions users pick.
 */
import { join } from "node:path"
import type { Consumer } from "./consumer.ts"
import { exportTargets } from "./inspect.ts"
import { run } from "./run.ts"
import type { Tarball } from "./tarball.ts"

const FIXTURES = join(import.meta.dir, "fixtures")

/** Packages whose types must compile for a browser/Node project without Bun's types. */
const PORTABLE = new Set(["@tether/core", "@tether/sdk", "@tether/app"])

export interface TypeProfile {
  name: string
  /** compilerOptions beyond the strict common ones. */
  options: Record<string, unknown>
  files: string[]
}

/** Every subpath each package exports, as import specifiers: `@tether/core`, `@tether/core/browser`. */
export function exportedSpecifiers(tarball: Tarball): string[] {
  // Modules only: not "./package.json", not asset folders like "./dist/*".
  const modules = exportTargets(tarball.manifest.exports).filter(
    (entry) => !entry.subpath.includes("*") && /\.(d\.)?[cm]?[jt]s$/.test(entry.target),
  )
  return [...new Set(modules.map((entry) => entry.subpath))].map((subpath) =>
    subpath === "." ? tarball.name : `${tarball.name}/${subpath.replace(/^\.\//, "")}`,
  )
}

/** A module that imports everything each package exports, so every published declaration is loaded. */
export function everyExportSource(specifiers: readonly string[]): string {
  const lines = specifiers.map((specifier, index) => `import * as m${index} from "${specifier}"`)
  const names = specifiers.map((_, index) => `m${index}`)
  return `${lines.join("\n")}\n\nexport type Everything = [${names.map((name) => `typeof ${name}`).join(", ")}]\n`
}

/** Writes the consumer files and tsconfigs; returns the profiles to run. */
export async function prepareTypeCheck(
  consumer: Consumer,
  tarballs: readonly Tarball[],
): Promise<TypeProfile[]> {
  const portable = tarballs.filter((tarball) => PORTABLE.has(tarball.name)).flatMap(exportedSpecifiers)
  const bunOnly = tarballs.filter((tarball) => !PORTABLE.has(tarball.name)).flatMap(exportedSpecifiers)
  await Bun.write(join(consumer.dir, "types/portable-exports.ts"), everyExportSource(portable))
  await Bun.write(join(consumer.dir, "types/bun-exports.ts"), everyExportSource(bunOnly))
  await Bun.write(join(consumer.dir, "types/contract.ts"), Bun.file(join(FIXTURES, "contract.ts")))
  const common = {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: "ES2022",
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: false,
    types: [] as string[],
  }
  const web = { ...common, lib: ["ES2022", "DOM", "DOM.Iterable"] }
  const profiles: TypeProfile[] = [
    {
      name: "nodenext, DOM, no Bun types",
      options: { ...web, module: "nodenext", moduleResolution: "nodenext" },
      files: ["types/portable-exports.ts", "types/contract.ts"],
    },
    {
      name: "bundler, DOM, no Bun types",
      options: { ...web, module: "preserve", moduleResolution: "bundler" },
      files: ["types/portable-exports.ts", "types/contract.ts"],
    },
    {
      name: "nodenext, Bun types",
      options: {
        ...common,
        lib: ["ESNext"],
        types: ["bun"],
        module: "nodenext",
        moduleResolution: "nodenext",
      },
      files: ["types/bun-exports.ts"],
    },
  ]
  for (const [index, profile] of profiles.entries()) {
    const tsconfig = { compilerOptions: profile.options, files: profile.files }
    await Bun.write(join(consumer.dir, `tsconfig.${index}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`)
  }
  return profiles
}

/** Diagnostics of one tsc run: ours (consumer files, `@tether/*` declarations) and third parties'. */
export interface TypeDiagnostics {
  ours: string[]
  thirdParty: string[]
}

/**
 * Splits `tsc --pretty false` output into diagnostics (a line `file(line,col): error …` and its
 * indented continuation lines). An error inside another library's declarations (with `skipLibCheck`
 * off, e.g. a DOM type effect's .d.ts expects) is that library's, not a defect of our packages.
 */
export function splitDiagnostics(output: string): TypeDiagnostics {
  const diagnostics: string[] = []
  for (const line of output.split("\n")) {
    if (line.trim() === "") continue
    if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`
    else diagnostics.push(line)
  }
  const thirdParty = diagnostics.filter(
    (diagnostic) => diagnostic.startsWith("node_modules/") && !diagnostic.startsWith("node_modules/@tether/"),
  )
  return { ours: diagnostics.filter((diagnostic) => !thirdParty.includes(diagnostic)), thirdParty }
}

/** The compilers a consumer may use, as `CONSUMER_TOOLS` in consumer.ts installs them. */
export const COMPILERS = [
  { name: "typescript 7.0.2", command: ["node_modules/.bin/tsc"] },
  { name: "typescript 5.9.3", command: ["node", "node_modules/typescript-5/bin/tsc"] },
] as const

export type Compiler = (typeof COMPILERS)[number]

/** Runs one of the consumer's own pinned compilers on one profile. */
export async function typeCheck(
  consumer: Consumer,
  index: number,
  compiler: Compiler,
): Promise<TypeDiagnostics> {
  const result = await run([...compiler.command, "-p", `tsconfig.${index}.json`, "--pretty", "false"], {
    cwd: consumer.dir,
    timeoutMs: 180_000,
  })
  if (result.timedOut) return { ours: ["tsc timed out after 180 s"], thirdParty: [] }
  if (result.code === 0) return { ours: [], thirdParty: [] }
  const split = splitDiagnostics(`${result.stdout}\n${result.stderr}`)
  if (split.ours.length === 0 && split.thirdParty.length === 0) split.ours.push(`tsc exited ${result.code}`)
  return split
}
