/**
 * Markdown tables and number formatting for the report.
 *
 * @module
 */

/**
 * A GitHub-flavoured markdown table; cells are escaped for `|` and newlines. Numeric columns are
 * right-aligned: by default all but the first.
 *
 * @example
 * ```ts
 * markdownTable(["server", "p99 ms"], [["floor", "12"]])
 * // | server | p99 ms |\n| --- | ---: |\n| floor | 12 |
 * ```
 */
export const markdownTable = (
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: (column: number) => boolean = (column) => column > 0,
): string => {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`
  const align = headers.map((_, i) => (numeric(i) ? "---:" : "---"))
  return [line(headers), `| ${align.join(" | ")} |`, ...rows.map(line)].join("\n")
}

/**
 * A number with `digits` significant-ish decimals, thousands separated; `–` for null/NaN.
 *
 * @example
 * ```ts
 * num(12345.678, 1) // "12,345.7"
 * num(null) // "–"
 * ```
 */
export const num = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined || !Number.isFinite(value)
    ? "–"
    : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** Milliseconds: one decimal under 100 ms, none above. */
export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? "–" : num(value, Math.abs(value) < 100 ? 1 : 0)

/** Bytes as KiB with one decimal. */
export const kib = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined ? "–" : num(bytes / 1024, 1)

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number | null | undefined): string =>
  bytes === null || bytes === undefined ? "–" : num(bytes / (1024 * 1024), 1)

/**
 * `value / base` as "×1.23"; `–` when either is missing or the base is zero.
 *
 * @example
 * ```ts
 * ratio(30, 10) // "×3.00"
 * ```
 */
export const ratio = (value: number | null | undefined, base: number | null | undefined): string =>
  value === null || value === undefined || base === null || base === undefined || base === 0
    ? "–"
    : `×${(value / base).toFixed(2)}`
