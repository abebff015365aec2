/**
 * Summarise a V8/JSC `.cpuprofile` (what `bun --cpu-prof` writes): self time per function, the
 * "top frames" the issue asks for where Tether misses a target.
 *
 * @module
 */

/** One function's share of the samples. */
export interface ProfileFrame {
  /** `name file:line` (file as its last two path segments). */
  readonly frame: string
  readonly selfPercent: number
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

/** The shape of a `.cpuprofile` file that we read. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** Frames that are the idle loop, not work. */
const IDLE = new Set(["(idle)", "(program)", "(garbage collector)"])

/**
 * Top `count` functions by self time, as a share of all non-idle samples.
 *
 * @example
 * ```ts
 * topFrames(JSON.parse(await Bun.file("server.cpuprofile").text()), 10)
 * ```
 */
export const topFrames = (profile: CpuProfile, count: number): ProfileFrame[] => {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, index) => {
    const node = byId.get(id)
    if (!node) return
    const { functionName, url, lineNumber } = node.callFrame
    const name = functionName || "(anonymous)"
    if (IDLE.has(name)) return
    const file = url ? url.split("/").slice(-2).join("/") : "native"
    const key = `${name} ${file}${url ? `:${lineNumber + 1}` : ""}`
    const delta = profile.timeDeltas[index] ?? 0
    self.set(key, (self.get(key) ?? 0) + delta)
    total += delta
  })
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, time]) => ({ frame, selfPercent: total > 0 ? (100 * time) / total : 0 }))
}
