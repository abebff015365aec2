/**
 * Bundle a TypeScript entry for Node (the better-sse anchor runs on Node, as its users run it;
 * Node 20 cannot run TypeScript itself).
 *
 * @module
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"

/** Build `entry` into a fresh temp dir; returns the path of the `.mjs` file to give `node`. */
export const buildForNode = async (entry: string): Promise<string> => {
  const outdir = mkdtempSync(join(tmpdir(), "tether-bench-node-"))
  const result = await Bun.build({
    entrypoints: [entry],
    outdir,
    target: "node",
    format: "esm",
    naming: "[name].mjs",
  })
  if (!result.success) throw new Error(`bundling ${entry} for node failed:\n${result.logs.join("\n")}`)
  return join(outdir, `${basename(entry, ".ts")}.mjs`)
}
