/**
 * A dependency-free SVG line chart: one line per series over a few categorical x values (the
 * subscriber counts), y on a log scale because latencies span milliseconds to seconds.
 *
 * @module
 */

/** One line of the chart. `y` null where the run failed (the line breaks there). */
export interface ChartSeries {
  readonly name: string
  readonly points: readonly { readonly x: number; readonly y: number | null }[]
}

/** Options of {@link lineChartSvg}. */
export interface ChartOptions {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  /** Width and height in px (default 760 × 440). */
  readonly width?: number
  readonly height?: number
}

const PALETTE = ["#222222", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]

/** Escape text for SVG content and attributes. */
export const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  )

/**
 * Decades (1, 10, 100, …) covering [min, max], for log-scale grid lines.
 *
 * @example
 * ```ts
 * logTicks(3, 420) // [1, 10, 100, 1000]
 * ```
 */
export const logTicks = (min: number, max: number): number[] => {
  const low = Math.floor(Math.log10(Math.max(min, 1e-9)))
  const high = Math.ceil(Math.log10(Math.max(max, min * 10, 1e-9)))
  const ticks: number[] = []
  for (let e = low; e <= high; e++) ticks.push(10 ** e)
  return ticks
}

const formatTick = (value: number): string =>
  value >= 1000 ? `${value / 1000} s` : value >= 1 ? `${value} ms` : `${value.toPrecision(1)} ms`

/**
 * Render the chart as a standalone SVG document.
 *
 * @example
 * ```ts
 * lineChartSvg([{ name: "floor", points: [{ x: 1000, y: 12 }, { x: 5000, y: 340 }] }],
 *   { title: "p99 latency", xLabel: "connections", yLabel: "p99 (log)" })
 * ```
 */
export const lineChartSvg = (series: readonly ChartSeries[], options: ChartOptions): string => {
  const width = options.width ?? 760
  const height = options.height ?? 440
  const margin = { top: 48, right: 200, bottom: 56, left: 72 }
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b)
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y): y is number => y !== null && y > 0)
  const ticks = ys.length > 0 ? logTicks(Math.min(...ys), Math.max(...ys)) : [1, 10]
  const yMin = Math.log10(ticks[0] as number)
  const yMax = Math.log10(ticks.at(-1) as number)
  const xAt = (x: number) =>
    margin.left + (xs.length <= 1 ? plotW / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotW)
  const yAt = (y: number) => margin.top + plotH - ((Math.log10(y) - yMin) / (yMax - yMin || 1)) * plotH
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  )
  for (const tick of ticks) {
    const y = yAt(tick).toFixed(1)
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${y}" y2="${y}" stroke="#dddddd"/>`,
      `<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`,
    )
  }
  for (const x of xs) {
    const px = xAt(x).toFixed(1)
    out.push(
      `<line x1="${px}" x2="${px}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eeeeee"/>`,
      `<text x="${px}" y="${margin.top + plotH + 18}" text-anchor="middle">${x.toLocaleString("en-US")}</text>`,
    )
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  )
  series.forEach((s, index) => {
    const color = PALETTE[index % PALETTE.length] as string
    // Break the line at missing points rather than drawing through them.
    let d = ""
    let pen = false
    for (const point of [...s.points].sort((a, b) => a.x - b.x)) {
      if (point.y === null || point.y <= 0) {
        pen = false
        continue
      }
      d += `${pen ? "L" : "M"}${xAt(point.x).toFixed(1)} ${yAt(point.y).toFixed(1)} `
      pen = true
      out.push(
        `<circle cx="${xAt(point.x).toFixed(1)}" cy="${yAt(point.y).toFixed(1)}" r="3.5" fill="${color}"/>`,
      )
    }
    if (d) out.push(`<path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="2"/>`)
    const ly = margin.top + 10 + index * 22
    const lx = margin.left + plotW + 16
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    )
  })
  out.push("</svg>")
  return `${out.join("\n")}\n`
}
