/**
 * @module
 * Static checks of one packed tarball: what it ships, what its package.json promises, and whether
 * every file the built code imports is in the tarball or a declared dependency.
 */
import { isBuiltin } from "node:module"
import { posix } from "node:path"
import { dtsReferences, isRelative, jsSpecifiers, packageOf } from "./specifiers.ts"
import type { Tarball } from "./tarball.ts"
import { DEPENDENCY_FIELDS, type Manifest } from "./workspace.ts"

/** What the check found; any error fails the pack check, warnings are only reported. */
export interface Findings {
  errors: string[]
  warnings: string[]
}

/** Per-package promises beyond the common rules. */
export interface Expectations {
  /** Bin names the package must ship. */
  bins?: string[]
  /** The package must not have runtime dependencies (the SDK runs anywhere, alone). */
  noRuntimeDependencies?: boolean
  /** Paths (or folder prefixes ending in `/`) shipped besides dist/, README.md and LICENSE, and required. */
  extraFiles?: string[]
}

/** Expectations of Tether's packages, from their READMEs and docs/ (what each one ships). */
export const EXPECTATIONS: Record<string, Expectations> = {
  // The README tells users to point "$schema" at node_modules/@tether/core/schema/tether.schema.json.
  "@tether/core": { extraFiles: ["schema/tether.schema.json"] },
  "@tether/server": { bins: ["tether"] },
  "@tether/sdk": { noRuntimeDependencies: true },
}

export interface InspectContext {
  /** Directory of the package relative to the repo root, e.g. `packages/sdk`. */
  relativeDir: string
  /** Version of every package packed in this run, by name: internal ranges must pin these. */
  versions: ReadonlyMap<string, string>
  expectations?: Expectations
}

// Shipped beside dist: npm adds package.json itself; README and LICENSE are required.
const TOP_LEVEL_FILES = ["package.json", "README.md", "LICENSE"]
const PROTOCOL_RANGE = /^(workspace|link|file|catalog|portal|patch):/
const LIFECYCLE_SCRIPTS = ["preinstall", "install", "postinstall"]
const RUNTIME_CONDITIONS = ["default", "import", "require", "node", "bun", "browser", "module"]

/** Runs every static check on a tarball. */
export async function inspectTarball(tarball: Tarball, context: InspectContext): Promise<Findings> {
  const findings: Findings = { errors: [], warnings: [] }
  checkFileSet(tarball.files, findings, context.expectations?.extraFiles)
  checkManifest(tarball.manifest, context, findings)
  checkEntryPoints(tarball.manifest, tarball.files, findings)
  await checkBins(tarball, context.expectations, findings)
  await checkImports(tarball, findings)
  await checkSourceMaps(tarball, findings)
  await checkNoTestFaults(tarball, findings)
  return findings
}

/** `dist/`, README.md, LICENSE and package.json (and the package's declared extras): all present, nothing else. */
export function checkFileSet(
  files: readonly string[],
  findings: Findings,
  extraFiles: readonly string[] = [],
): void {
  const covered = (file: string, path: string) => (path.endsWith("/") ? file.startsWith(path) : file === path)
  for (const required of [...TOP_LEVEL_FILES, ...extraFiles]) {
    if (!files.some((file) => covered(file, required))) findings.errors.push(`missing ${required}`)
  }
  if (!files.some((file) => file.startsWith("dist/")))
    findings.errors.push("missing dist/ (was the package built?)")
  const unexpected = files.filter(
    (file) =>
      !TOP_LEVEL_FILES.includes(file) &&
      !file.startsWith("dist/") &&
      !extraFiles.some((path) => covered(file, path)),
  )
  if (unexpected.length > 0) {
    findings.errors.push(`ships files outside dist/, README.md, LICENSE: ${preview(unexpected)}`)
  }
  const junk = files.filter(
    (file) =>
      file.startsWith("dist/") &&
      (/\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/.test(file) ||
        /\.(test|spec)\.d\.[cm]?ts(\.map)?$/.test(file) ||
        file.endsWith(".tsbuildinfo") ||
        /(^|\/)(test|__tests__|fixtures)\//.test(file.slice(5))),
  )
  if (junk.length > 0) findings.errors.push(`ships tests or build leftovers in dist/: ${preview(junk)}`)
}

/** Name, version, license, repository, access, dependency ranges, lifecycle scripts. */
export function checkManifest(manifest: Manifest, context: InspectContext, findings: Findings): void {
  const expectedVersion = context.versions.get(manifest.name)
  if (expectedVersion !== undefined && manifest.version !== expectedVersion) {
    findings.errors.push(`packed version ${manifest.version} differs from the workspace's ${expectedVersion}`)
  }
  if (manifest.private) findings.errors.push('"private": true (npm refuses to publish it)')
  if (manifest.license !== "MIT")
    findings.errors.push(`"license" is ${JSON.stringify(manifest.license)}, expected "MIT"`)
  const repository = manifest.repository
  if (typeof repository !== "object" || !repository.url) {
    findings.errors.push('"repository" is missing (expected {"type":"git","url":…,"directory":…})')
  } else if (repository.directory !== context.relativeDir) {
    findings.errors.push(
      `"repository.directory" is ${JSON.stringify(repository.directory)}, expected "${context.relativeDir}"`,
    )
  }
  if (manifest.publishConfig?.access !== "public") {
    findings.errors.push(
      '"publishConfig.access" is not "public" (a scoped package would publish as restricted)',
    )
  }
  if (!manifest.homepage) findings.warnings.push('no "homepage"')
  if (!manifest.keywords?.length) findings.warnings.push('no "keywords"')

  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (PROTOCOL_RANGE.test(range)) {
        findings.errors.push(`${field}.${name} is "${range}": a workspace-only range leaked into the tarball`)
        continue
      }
      const sibling = context.versions.get(name)
      if (sibling !== undefined && field !== "devDependencies" && range !== sibling) {
        findings.errors.push(`${field}.${name} is "${range}", expected the released sibling's "${sibling}"`)
      }
    }
  }
  if (context.expectations?.noRuntimeDependencies) {
    const runtime = ["dependencies", "peerDependencies", "optionalDependencies"] as const
    for (const field of runtime) {
      const names = Object.keys(manifest[field] ?? {})
      if (names.length > 0)
        findings.errors.push(`must have no runtime dependency, has ${field}: ${names.join(", ")}`)
    }
  }
  for (const script of LIFECYCLE_SCRIPTS) {
    if (manifest.scripts && typeof manifest.scripts === "object" && script in manifest.scripts) {
      findings.errors.push(`has a "${script}" script, which would run on every user's install`)
    }
  }
}

/** One target of the `exports` map, with the conditions that lead to it. */
export interface ExportTarget {
  subpath: string
  conditions: string[]
  target: string
}

/**
 * Flattens an `exports` map. Every condition counts, the workspace-only `@tether/source` too: the pack
 * step removes it, so a tarball that still has it points at a `src/` that is not there.
 */
export function exportTargets(exports: unknown): ExportTarget[] {
  const out: ExportTarget[] = []
  const walk = (value: unknown, subpath: string, conditions: string[]) => {
    if (typeof value === "string") out.push({ subpath, conditions, target: value })
    else if (Array.isArray(value)) for (const item of value) walk(item, subpath, conditions)
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (key.startsWith(".")) walk(inner, key, conditions)
        else walk(inner, subpath, [...conditions, key])
      }
    }
  }
  walk(exports, ".", [])
  return out
}

/** Condition objects in which `types` comes after a runtime condition (TypeScript would miss it). */
export function misorderedTypes(exports: unknown): string[] {
  const problems: string[] = []
  const walk = (value: unknown, subpath: string) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return
    const keys = Object.keys(value)
    const typesAt = keys.indexOf("types")
    const firstRuntime = keys.findIndex((key) => RUNTIME_CONDITIONS.includes(key))
    if (typesAt > firstRuntime && firstRuntime !== -1) {
      problems.push(`exports["${subpath}"]: "types" must come before "${keys[firstRuntime]}"`)
    }
    for (const [key, inner] of Object.entries(value)) walk(inner, key.startsWith(".") ? key : subpath)
  }
  walk(exports, ".")
  return problems
}

function matchesTarget(target: string, files: readonly string[]): boolean {
  const path = posix.normalize(target.replace(/^\.\//, ""))
  if (!path.includes("*")) return files.includes(path)
  const [before = "", after = ""] = path.split("*")
  return files.some((file) => file.startsWith(before) && file.endsWith(after))
}

/** Every `exports` target, `main`, `module` and `types` exists in the tarball; each subpath has types. */
export function checkEntryPoints(manifest: Manifest, files: readonly string[], findings: Findings): void {
  if (manifest.exports === undefined) findings.errors.push('no "exports" map')
  const targets = exportTargets(manifest.exports)
  for (const { subpath, conditions, target } of targets) {
    if (!matchesTarget(target, files)) {
      const via = conditions.length > 0 ? ` (${conditions.join(" > ")})` : ""
      findings.errors.push(`exports["${subpath}"]${via} points at ${target}, which is not in the tarball`)
    }
  }
  const subpaths = new Set(targets.map((entry) => entry.subpath))
  for (const subpath of subpaths) {
    const own = targets.filter((entry) => entry.subpath === subpath)
    const runtime = own.filter(
      (entry) =>
        entry.conditions.length === 0 ||
        entry.conditions.some((condition) => RUNTIME_CONDITIONS.includes(condition)),
    )
    if (runtime.length === 0) {
      findings.errors.push(`exports["${subpath}"] has no "default"/"import" condition for runtimes`)
    }
    // Only JavaScript entry points need types; "./package.json" or static assets do not.
    const isModule = runtime.some((entry) => /\.[cm]?js$/.test(entry.target))
    if (isModule && !own.some((entry) => entry.conditions.includes("types"))) {
      findings.errors.push(`exports["${subpath}"] has no "types" condition`)
    }
  }
  findings.errors.push(...misorderedTypes(manifest.exports))
  for (const field of ["main", "module", "types", "typings"] as const) {
    const target = manifest[field]
    if (typeof target === "string" && !matchesTarget(target, files)) {
      findings.errors.push(`"${field}" points at ${target}, which is not in the tarball`)
    }
  }
}

function binEntries(manifest: Manifest): [string, string][] {
  if (typeof manifest.bin === "string")
    return [[packageOf(manifest.name).split("/").at(-1) ?? "", manifest.bin]]
  return Object.entries(manifest.bin ?? {})
}

/** Expected bins exist, are in the tarball and start with a shebang. */
export async function checkBins(
  tarball: Tarball,
  expectations: Expectations | undefined,
  findings: Findings,
) {
  const bins = binEntries(tarball.manifest)
  for (const name of expectations?.bins ?? []) {
    if (!bins.some(([bin]) => bin === name)) findings.errors.push(`has no "${name}" bin`)
  }
  for (const [name, target] of bins) {
    const path = posix.normalize(target.replace(/^\.\//, ""))
    const text = await tarball.read(path)
    if (text === undefined) {
      findings.errors.push(`bin "${name}" points at ${target}, which is not in the tarball`)
    } else if (!text.startsWith("#!")) {
      findings.errors.push(`bin "${name}" (${target}) has no shebang line, so it cannot run as a command`)
    }
  }
}

/** Relative imports resolve inside the tarball; bare imports are declared dependencies. */
export async function checkImports(tarball: Tarball, findings: Findings): Promise<void> {
  const manifest = tarball.manifest
  const runtimeDeps = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    manifest.name,
  ])
  const files = new Set(tarball.files)
  const undeclared = new Map<string, string[]>()
  const unresolved: string[] = []
  const bunTypes = new Set<string>()
  const note = (map: Map<string, string[]>, key: string, file: string) =>
    map.set(key, [...(map.get(key) ?? []), file])

  for (const file of tarball.files) {
    const isDts = /\.d\.[cm]?ts$/.test(file)
    const isJs = !isDts && /\.[cm]?js$/.test(file)
    if (!isDts && !isJs) continue
    const code = (await tarball.read(file)) ?? ""
    let specifiers: string[]
    if (isDts) {
      const refs = dtsReferences(code)
      specifiers = refs.specifiers
      for (const type of refs.types) {
        if (type === "bun" || type === "bun-types" || type === "@types/bun") bunTypes.add(file)
        else if (!runtimeDeps.has(type) && !runtimeDeps.has(`@types/${type}`) && type !== "node") {
          note(undeclared, `types "${type}"`, file)
        }
      }
      for (const path of refs.paths) {
        if (!files.has(posix.join(posix.dirname(file), path))) unresolved.push(`${file} → reference ${path}`)
      }
    } else {
      specifiers = jsSpecifiers(code)
    }
    for (const specifier of specifiers) {
      if (isRelative(specifier)) {
        const problem = resolveRelative(file, specifier, files, isDts)
        if (problem !== null) unresolved.push(`${file} → ${specifier}${problem}`)
      } else if (specifier === "bun" || specifier.startsWith("bun:")) {
        if (isDts) bunTypes.add(file)
      } else if (!specifier.startsWith("node:") && !isBuiltin(specifier)) {
        const name = packageOf(specifier)
        if (!runtimeDeps.has(name)) note(undeclared, `"${name}"`, file)
      }
    }
  }
  for (const [name, importers] of undeclared) {
    findings.errors.push(
      `imports ${name}, which is not in dependencies or peerDependencies (in ${preview(importers)})`,
    )
  }
  if (unresolved.length > 0)
    findings.errors.push(`imports files missing from the tarball: ${preview(unresolved)}`)
  // A package that declares @types/bun (an optional peer, typically) has said so to its consumers.
  if (bunTypes.size > 0 && !runtimeDeps.has("@types/bun")) {
    findings.warnings.push(`its types refer to Bun's (consumers need @types/bun): ${preview([...bunTypes])}`)
  }
}

function resolveRelative(file: string, specifier: string, files: Set<string>, isDts: boolean): string | null {
  const target = posix.normalize(posix.join(posix.dirname(file), specifier))
  const tsSource = /\.tsx?$/.test(specifier) && !/\.d\.ts$/.test(specifier)
  if (!isDts && tsSource) return " (a TypeScript source extension the build did not rewrite)"
  // tsc keeps `./x.ts` in declaration output; TypeScript resolves it to the `./x.d.ts` beside it.
  if (isDts && tsSource) {
    return files.has(target.replace(/\.tsx?$/, ".d.ts")) ? null : " (no declaration file for it)"
  }
  if (!isDts) {
    if (files.has(target)) return null
    return files.has(`${target}.js`) || files.has(`${target}/index.js`)
      ? " (Node's ESM loader needs the full file name)"
      : ""
  }
  const candidates = /\.[cm]?js$/.test(target)
    ? [
        target
          .replace(/\.js$/, ".d.ts")
          .replace(/\.mjs$/, ".d.mts")
          .replace(/\.cjs$/, ".d.cts"),
      ]
    : [target]
  if (candidates.some((candidate) => files.has(candidate))) return null
  if (files.has(`${target}.d.ts`) || files.has(`${target}/index.d.ts`)) {
    return " (extensionless: fails for consumers on moduleResolution node16/nodenext)"
  }
  return ""
}

/**
 * Nothing in the tarball points at a file it does not hold: no source map names a source that is not
 * shipped (its inlined text included: `src/` stays in the repository, and the maps go with it), and no
 * `sourceMappingURL` comment names a map that is not shipped. Debuggers, bundlers' source-map loaders and
 * "go to definition" would otherwise open missing files.
 */
export async function checkSourceMaps(tarball: Tarball, findings: Findings): Promise<void> {
  const missing = new Set<string>()
  let maps = 0
  for (const file of tarball.files) {
    if (file.endsWith(".map")) {
      maps++
      try {
        const map = JSON.parse((await tarball.read(file)) ?? "{}") as {
          sources?: string[]
          sourceRoot?: string
        }
        for (const source of map.sources ?? []) {
          const path = posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? "", source))
          if (!tarball.files.includes(path)) missing.add(path)
        }
      } catch {
        findings.errors.push(`${file} is not valid JSON`)
      }
    } else if (/\.(m|c)?js$|\.css$/.test(file)) {
      const url = /[#@] sourceMappingURL=(\S+)\s*(?:\*\/)?\s*$/.exec((await tarball.read(file)) ?? "")?.[1]
      if (url === undefined || url.startsWith("data:")) continue
      const path = posix.normalize(posix.join(posix.dirname(file), url))
      if (!tarball.files.includes(path)) {
        findings.errors.push(`${file} names its source map ${path}, which is not in the tarball`)
      }
    }
  }
  if (missing.size > 0) {
    findings.errors.push(
      `${maps} source maps point at ${missing.size} sources that are not shipped (e.g. ${[...missing][0]}): drop the maps from the build`,
    )
  }
}

// A fault module (`fault/`, `faults.js`, `fault-switch.js`…) and the variable that selected a fault.
const FAULT_PATH = /(^|\/)faults?([/.-]|$)/
const FAULT_TEXT = "TETHER_TEST_FAULT"

/**
 * No fault-injection code ships: no module named for faults, and no file that reads the fault variable.
 * Faults belong to the server's test entry point (`packages/server/test/faults/`); a published server
 * that read the variable could be wedged, or stopped by a malformed value, from its environment.
 */
export async function checkNoTestFaults(tarball: Tarball, findings: Findings): Promise<void> {
  const named = tarball.files.filter((file) => file.startsWith("dist/") && FAULT_PATH.test(file.slice(5)))
  if (named.length > 0) findings.errors.push(`ships fault-injection modules: ${preview(named)}`)
  const reading: string[] = []
  for (const file of tarball.files) {
    if (!/\.(d\.)?[cm]?[jt]sx?$/.test(file)) continue
    if (((await tarball.read(file)) ?? "").includes(FAULT_TEXT)) reading.push(file)
  }
  if (reading.length > 0) findings.errors.push(`ships code that reads ${FAULT_TEXT}: ${preview(reading)}`)
}

function preview(items: readonly string[], max = 6): string {
  const shown = items.slice(0, max).join(", ")
  return items.length > max ? `${shown} and ${items.length - max} more` : shown
}
