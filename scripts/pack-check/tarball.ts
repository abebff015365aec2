/**
 * @module
 * Packs a workspace package the way it is published and reads the tarball back.
 *
 * Bun packs, not npm: `bun pm pack` (and `bun publish`) rewrite `workspace:*` ranges to the
 * sibling's real version, while `npm pack` copies them verbatim and the published package would
 * not install. So every tarball that leaves this repo is made here.
 *
 * The packed package.json is the published one ({@link publishedManifest}): the workspace-only
 * `@tether/source` export condition points at `src/`, which is not shipped, so it is left out.
 */
import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { runOk } from "./run.ts"
import type { Manifest, WorkspacePackage } from "./workspace.ts"

/** A packed package: where the tarball is and what it holds. */
export interface Tarball {
  name: string
  version: string
  path: string
  /** Paths inside the package, without npm's `package/` prefix, sorted. */
  files: string[]
  /** The package.json as it was packed (ranges rewritten). */
  manifest: Manifest
  /** File contents by path, for the checks that read them (text files only are read). */
  read(path: string): Promise<string | undefined>
  /** `sha256-<base64>`, the integrity a publish plan records. */
  integrity: string
  bytes: number
}

/** The export condition that points the workspace at a package's `src/`; never shipped. */
export const SOURCE_CONDITION = "@tether/source"

const withoutSourceCondition = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutSourceCondition)
  if (!value || typeof value !== "object") return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  )
}

/**
 * The package.json as published: the same, less every `@tether/source` condition of its `exports` map
 * (users get `dist/`; a condition whose target is not in the tarball would only mislead tools).
 *
 * @example
 * ```ts
 * publishedManifest({ name: "a", version: "1.0.0", exports: { ".": { "@tether/source": "./src/index.ts", default: "./dist/index.js" } } })
 * // { name: "a", version: "1.0.0", exports: { ".": { default: "./dist/index.js" } } }
 * ```
 */
export function publishedManifest(manifest: Manifest): Manifest {
  return manifest.exports === undefined
    ? manifest
    : { ...manifest, exports: withoutSourceCondition(manifest.exports) }
}

// Ctrl-C, a CI job's TERM, a closed terminal: each ends the process without running `finally`.
const INTERRUPTS = ["SIGINT", "SIGTERM", "SIGHUP"] as const

/**
 * Runs `bun pm pack` in the package directory and returns the tarball written to `destination`.
 * Bun packs the package.json on disk, so the published manifest is written there for the pack and the
 * original text put back right after, whatever happens: an error, or a signal that ends the process
 * meanwhile (the text is put back, then the signal is raised again), so the work tree never keeps a
 * package.json without its source condition.
 */
export async function packPackage(pkg: WorkspacePackage, destination: string): Promise<Tarball> {
  const manifestPath = join(pkg.dir, "package.json")
  const original = readFileSync(manifestPath, "utf8")
  const published = publishedManifest(JSON.parse(original) as Manifest)
  const putBack = () => {
    for (const signal of INTERRUPTS) process.off(signal, onInterrupt)
    writeFileSync(manifestPath, original)
  }
  const onInterrupt = (signal: NodeJS.Signals) => {
    putBack()
    process.kill(process.pid, signal)
  }
  for (const signal of INTERRUPTS) process.on(signal, onInterrupt)
  let result: Awaited<ReturnType<typeof runOk>>
  try {
    writeFileSync(manifestPath, `${JSON.stringify(published, null, 2)}\n`)
    result = await runOk(["bun", "pm", "pack", "--quiet", "--destination", destination], { cwd: pkg.dir })
  } finally {
    putBack()
  }
  // --quiet prints only the tarball's path (absolute or relative to the destination, by version)
  const printed = result.stdout.trim().split("\n").at(-1)?.trim() ?? ""
  const path = printed.startsWith("/") ? printed : join(destination, printed)
  return readTarball(path)
}

/** Reads a `.tgz` made by `bun pm pack` or `npm pack`. */
export async function readTarball(path: string): Promise<Tarball> {
  const bytes = await Bun.file(path).bytes()
  const archive = new Bun.Archive(bytes)
  const entries = await archive.files()
  const contents = new Map<string, Blob>()
  for (const [entry, blob] of entries) contents.set(entry.replace(/^package\//, ""), blob)
  const manifestBlob = contents.get("package.json")
  if (!manifestBlob) throw new Error(`${path} has no package/package.json`)
  const manifest = JSON.parse(await manifestBlob.text()) as Manifest
  return {
    name: manifest.name,
    version: manifest.version,
    path,
    files: [...contents.keys()].sort(),
    manifest,
    read: async (file) => contents.get(file)?.text(),
    integrity: `sha256-${createHash("sha256").update(bytes).digest("base64")}`,
    bytes: bytes.byteLength,
  }
}
