/**
 * @module
 * Packs a workspace package the way it is published and reads the tarball back.
 *
 * Bun packs, not npm: `bun pm pack` (and `bun publish`) rewrite `workspace:*` ranges to the
 * sibling's real version, while `npm pack` copies them verbatim and the published package would
 * not install. So every tarball that leaves this repo is made here.
 */
import { createHash } from "node:crypto"
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

/** Runs `bun pm pack` in the package directory and returns the tarball written to `destination`. */
export async function packPackage(pkg: WorkspacePackage, destination: string): Promise<Tarball> {
  const result = await runOk(["bun", "pm", "pack", "--quiet", "--destination", destination], { cwd: pkg.dir })
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
