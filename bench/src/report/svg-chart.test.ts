import { describe, expect, test } from "bun:test"
import { escapeXml, lineChartSvg, logTicks } from "./svg-chart.ts"

const options = { title: "p99 <latency>", xLabel: "connections", yLabel: "ms" }

describe("logTicks", () => {
  test("covers the range with decades", () => {
    expect(logTicks(3, 420)).toEqual([1, 10, 100, 1000])
    expect(logTicks(0.5, 2)).toEqual([0.1, 1, 10])
  })
})

describe("escapeXml", () => {
  test("escapes markup characters", () => {
    expect(escapeXml(`a<b & "c" 'd'>`)).toBe("a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
  })
})

describe("lineChartSvg", () => {
  const svg = lineChartSvg(
    [
      {
        name: "floor",
        points: [
          { x: 1000, y: 10 },
          { x: 5000, y: 100 },
          { x: 10000, y: 1000 },
        ],
      },
      {
        name: "Effect → Sse",
        points: [
          { x: 1000, y: 50 },
          { x: 5000, y: null },
          { x: 10000, y: 5000 },
        ],
      },
    ],
    options,
  )

  test("is one svg document with escaped text", () => {
    expect(svg.startsWith("<svg xmlns=")).toBe(true)
    expect(svg.trim().endsWith("</svg>")).toBe(true)
    expect(svg).toContain("p99 &lt;latency&gt;")
    expect(svg).toContain("Effect → Sse")
    expect(svg).toContain(">10,000<")
  })

  test("one path per series; a missing point breaks the line into two moves", () => {
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1] as string)
    expect(paths.length).toBe(2)
    expect(paths[0]?.match(/M/g)?.length).toBe(1)
    expect(paths[1]?.match(/M/g)?.length).toBe(2)
  })

  test("higher latency is drawn higher up (smaller y), on a log scale", () => {
    const ys = [...(svg.match(/<path d="([^"]+)"/)?.[1] ?? "").matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) =>
      Number(m[1]),
    )
    expect(ys.length).toBe(3)
    const [a, b, c] = ys as [number, number, number]
    expect(a).toBeGreaterThan(b)
    expect(b).toBeGreaterThan(c)
    // Equal ratios (×10 each) are equal distances on a log scale.
    expect(Math.abs(a - b - (b - c))).toBeLessThan(0.2)
  })

  test("no data still renders an empty chart", () => {
    expect(lineChartSvg([], options)).toContain("</svg>")
  })
})
