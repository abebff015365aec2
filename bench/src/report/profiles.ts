/**
 * The "CPU profiles" section of a run made with `--cpu-prof DIR`: top self-time frames of each
 * profiled server run, Tether's first.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type CpuProfile, topFrames } from "../stats/cpu-profile.ts"
import { markdownTable, num } from "./markdown.ts"

/** Markdown for every `.cpuprofile` in `dir` (names `<server>-<C>-<time>.cpuprofile`). */
export const profilesSection = (dir: string, count = 12): string => {
  let files: string[] = []
  try {
    files = readdirSync(dir).filter((file) => file.endsWith(".cpuprofile"))
  } catch {
    return `## CPU profiles\n\nNo profiles in ${dir}.\n`
  }
  const order = (file: string) => (file.startsWith("tether") ? 0 : 1)
  files.sort((a, b) => order(a) - order(b) || a.localeCompare(b, "en", { numeric: true }))
  const out = [
    "## CPU profiles",
    "",
    "Self time of the top frames of each server process over its whole run (connect, idle, publish, drain), " +
      "from `bun --cpu-prof`, idle excluded.",
    "",
  ]
  for (const file of files) {
    try {
      const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile
      out.push(
        `### ${file.replace(/-\d+\.cpuprofile$/, "").replace(/-(\d+)$/, ", C = $1")}`,
        "",
        markdownTable(
          ["frame", "self %"],
          topFrames(profile, count).map((frame) => [`\`${frame.frame}\``, num(frame.selfPercent, 1)]),
        ),
        "",
      )
    } catch (error) {
      out.push(`- ${file}: unreadable (${error instanceof Error ? error.message : String(error)})`, "")
    }
  }
  return out.join("\n")
}
