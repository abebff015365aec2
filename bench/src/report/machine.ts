/**
 * What machine and software a run measured, for the report's header.
 *
 * @module
 */
import { readFileSync } from "node:fs"
import { cpus, release, totalmem } from "node:os"
import { pinningAvailable } from "../process/spawn-server.ts"

/** A one-paragraph description: CPU, cores, memory, kernel, runtimes, commit, date, pinning. */
export const describeMachine = (repoRoot: string): string[] => {
  const model = cpus()[0]?.model ?? "unknown CPU"
  const run = (cmd: string[]): string => {
    try {
      const out = Bun.spawnSync(cmd, { cwd: repoRoot, stderr: "ignore" })
      return out.stdout.toString().trim()
    } catch {
      return ""
    }
  }
  let hypervisor = ""
  try {
    if (/^flags\s*:.*\bhypervisor\b/m.test(readFileSync("/proc/cpuinfo", "utf8")))
      hypervisor = ", virtual machine"
  } catch {}
  return [
    `- Machine: ${model}, ${cpus().length} cores${hypervisor}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    `- Runtimes: Bun ${Bun.version}, Node ${run(["node", "--version"]) || "?"}`,
    `- Commit: ${run(["git", "rev-parse", "--short", "HEAD"]) || "?"}${run(["git", "status", "--porcelain", "--", "packages", "bench"]) ? " plus uncommitted changes in the work tree" : ""}`,
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    pinningAvailable()
      ? "- Pinning: each server on CPU 0, the load generator on CPU 1 (`taskset`)"
      : "- Pinning: none (`taskset` not found): server and generator share both cores, figures are noisier",
  ]
}
