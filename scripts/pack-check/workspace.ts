/**
 * @module
 * The publishable packages of the workspace, read from their package.json files.
 */
import { readdirSync } from "node:fs"
import { join, resolve } from "node:path"

/** The repository root: this file lives in `scripts/pack-check/`. */
export const ROOT = resolve(import.meta.dir, "..", "..")

/** A package.json, as far as publishing cares. */
export interface Manifest {
  name: string
  version: string
  private?: boolean
  license?: string
  homepage?: string
  keywords?: string[]
  repository?: string | { type?: string; url?: string; directory?: string }
  publishConfig?: Record<string, unknown>
  files?: string[]
  main?: string
  module?: string
  types?: string
  typings?: string
  bin?: string | Record<string, string>
  exports?: unknown
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  [key: string]: unknown
}

/** A workspace package that is published to npm. */
export interface WorkspacePackage {
  name: string
  version: string
  /** Absolute directory. */
  dir: string
  /** Directory relative to the root, e.g. `packages/sdk`. */
  relativeDir: string
  manifest: Manifest
}

/** The dependency fields a published manifest carries, in the order npm documents them. */
export const DEPENDENCY_FIELDS = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const

/**
 * Lists the non-private packages under `packages/`, sorted so that a package comes after the
 * workspace packages it depends on (the order they must be packed, installed and published in).
 */
export async function publicPackages(root: string = ROOT): Promise<WorkspacePackage[]> {
  const packagesDir = join(root, "packages")
  const found: WorkspacePackage[] = []
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(packagesDir, entry.name)
    const file = Bun.file(join(dir, "package.json"))
    if (!(await file.exists())) continue
    const manifest = (await file.json()) as Manifest
    if (manifest.private) continue
    found.push({
      name: manifest.name,
      version: manifest.version,
      dir,
      relativeDir: `packages/${entry.name}`,
      manifest,
    })
  }
  return sortByDependencies(found)
}

/** Topological order over runtime dependencies between the given packages; ties keep name order. */
export function sortByDependencies<T extends { name: string; manifest: Manifest }>(packages: T[]): T[] {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]))
  const sorted: T[] = []
  const state = new Map<string, "visiting" | "done">()
  const visit = (pkg: T, path: string[]) => {
    const seen = state.get(pkg.name)
    if (seen === "done") return
    if (seen === "visiting") throw new Error(`dependency cycle: ${[...path, pkg.name].join(" -> ")}`)
    state.set(pkg.name, "visiting")
    const deps = { ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies }
    for (const dep of Object.keys(deps).sort()) {
      const target = byName.get(dep)
      if (target) visit(target, [...path, pkg.name])
    }
    state.set(pkg.name, "done")
    sorted.push(pkg)
  }
  for (const pkg of [...packages].sort((a, b) => a.name.localeCompare(b.name))) visit(pkg, [])
  return sorted
}
