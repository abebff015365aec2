/**
 * Reading a process's CPU time and memory from Linux `/proc`, as the benchmarks measure the
 * server from outside (its own numbers would cost it the work we are timing).
 *
 * @module
 */
import { readFileSync } from "node:fs"

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on every Linux we run). */
export const CLOCK_TICKS_PER_SECOND = 100

/** User and system CPU time of a process, in seconds. */
export interface CpuTimes {
  readonly user: number
  readonly system: number
}

/**
 * Parse the text of `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the LAST `)`: utime and stime are fields 14 and 15 (proc(5)).
 *
 * @example
 * ```ts
 * parseProcStat("42 (bun) S 1 42 42 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 1 0 1 1 1").user // 1.5
 * ```
 */
export const parseProcStat = (text: string, ticksPerSecond = CLOCK_TICKS_PER_SECOND): CpuTimes => {
  const close = text.lastIndexOf(")")
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 80))}`)
  // After ")" come fields 3.. ; utime is field 14, so index 11 of this list.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(" ")
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`no utime/stime in /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 120))}`)
  }
  return { user: utime / ticksPerSecond, system: stime / ticksPerSecond }
}

/** Memory figures of `/proc/<pid>/status`, in bytes. */
export interface MemoryStatus {
  /** Resident set size now. */
  readonly rss: number
  /** Peak resident set size ("high water mark"). */
  readonly hwm: number
}

/**
 * Parse the text of `/proc/<pid>/status` for `VmRSS` and `VmHWM` (given in kB, i.e. KiB).
 *
 * @example
 * ```ts
 * parseProcStatus("VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n") // { rss: 1048576, hwm: 2097152 }
 * ```
 */
export const parseProcStatus = (text: string): MemoryStatus => {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, "m").exec(text)
    if (!match?.[1]) throw new Error(`no ${name} in /proc/<pid>/status`)
    return Number(match[1]) * 1024
  }
  return { rss: field("VmRSS"), hwm: field("VmHWM") }
}

/** CPU seconds (user + system) a process has used so far. */
export const cpuSeconds = (pid: number | "self"): number => {
  const times = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))
  return times.user + times.system
}

/** Current and peak RSS of a process. */
export const memoryOf = (pid: number | "self"): MemoryStatus =>
  parseProcStatus(readFileSync(`/proc/${pid}/status`, "utf8"))
