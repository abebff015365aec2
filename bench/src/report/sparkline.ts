/**
 * A text sparkline (▁▂▃▄▅▆▇█) of a series, scaled to its maximum, for histograms in markdown.
 *
 * @example
 * ```ts
 * sparkline([0, 1, 4, 8]) // " ▁▄█"
 * ```
 */
export const sparkline = (values: readonly number[]): string => {
  const blocks = "▁▂▃▄▅▆▇█"
  const max = Math.max(0, ...values)
  if (max === 0) return " ".repeat(values.length)
  return values
    .map((value) => (value <= 0 ? " " : blocks[Math.min(7, Math.ceil((value / max) * 8) - 1)]))
    .join("")
}
