/**
 * @module
 * Prints each check as it finishes and keeps the tally, so one run shows every problem at once.
 */

export interface StepResult {
  name: string
  ok: boolean
  skipped?: boolean
  ms: number
  detail?: string
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((line) => (line.startsWith("    ") ? line : `    ${line}`))
    .join("\n")

export class Report {
  readonly steps: StepResult[] = []

  /**
   * Runs `fn` as one named check. A thrown error fails the check and is printed; the returned
   * string, if any, is printed as the check's detail. Resolves `undefined` when it failed.
   */
  async step<T>(name: string, fn: () => Promise<T>, describe?: (value: T) => string | undefined) {
    const started = performance.now()
    try {
      const value = await fn()
      const detail = describe?.(value)
      this.add({ name, ok: true, ms: performance.now() - started, detail })
      return value
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      this.add({ name, ok: false, ms: performance.now() - started, detail })
      return undefined
    }
  }

  /** A check that could not run because an earlier one failed. */
  skip(name: string, why: string): void {
    this.add({ name, ok: false, skipped: true, ms: 0, detail: why })
  }

  warn(name: string, warnings: readonly string[]): void {
    for (const warning of warnings) console.log(`  ! ${name}: ${warning}`)
  }

  private add(result: StepResult): void {
    this.steps.push(result)
    const mark = result.skipped ? "-" : result.ok ? "✓" : "✗"
    const time = result.ms >= 100 ? ` (${(result.ms / 1000).toFixed(1)} s)` : ""
    const head = `${mark} ${result.name}${time}`
    if (result.ok) console.log(result.detail ? `${head}: ${result.detail}` : head)
    else
      console.log(
        `${head}${result.skipped ? ": skipped, " : "\n"}${result.skipped ? result.detail : indent(result.detail ?? "")}`,
      )
  }

  get failed(): StepResult[] {
    return this.steps.filter((step) => !step.ok)
  }

  summary(): string {
    const ran = this.steps.filter((step) => !step.skipped)
    const failed = ran.filter((step) => !step.ok)
    const skipped = this.steps.length - ran.length
    const tail = skipped > 0 ? `, ${skipped} skipped` : ""
    return `pack check: ${ran.length - failed.length} checks ok, ${failed.length} failed${tail}`
  }
}
