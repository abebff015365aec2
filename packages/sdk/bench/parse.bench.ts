/**
 * Parser throughput: @tether/sdk's createParser against eventsource-parser on the same generated input,
 * decoded text fed in the same chunks. `bun run bench` in packages/sdk. Shared machines are noisy:
 * read the ratio of the two rows of a case, measured alternately in one run, not the absolute MB/s.
 */
import { createParser as eventsourceParser } from "eventsource-parser"
import { createParser } from "../src/sse/parse.ts"
import { seededRandom } from "../test/helpers/random.ts"

interface Case {
  readonly name: string
  readonly chunks: readonly string[]
  readonly events: number
}

const envelope = (size: number) =>
  JSON.stringify({
    id: "0000000001",
    type: "bench",
    properties: { text: "x".repeat(size) },
    time: 1_700_000_000_000,
  })

function makeCase(name: string, frame: (i: number) => string, count: number, maxChunk: number): Case {
  let text = ""
  for (let i = 0; i < count; i++) text += frame(i)
  const random = seededRandom(42)
  const chunks: string[] = []
  for (let pos = 0; pos < text.length; ) {
    const size = 1 + Math.floor(random() * maxChunk)
    chunks.push(text.slice(pos, pos + size))
    pos += size
  }
  return { name, chunks, events: count }
}

const cases: Case[] = [
  makeCase(
    "256 B events, LF, random chunks ≤ 4 KiB",
    (i) => `id: ${i}\ndata: ${envelope(180)}\n\n`,
    200_000,
    4096,
  ),
  makeCase(
    "256 B events, CRLF, random chunks ≤ 4 KiB",
    (i) => `id: ${i}\r\ndata: ${envelope(180)}\r\n\r\n`,
    200_000,
    4096,
  ),
  makeCase("256 B events, random chunks ≤ 16 B", (i) => `id: ${i}\ndata: ${envelope(180)}\n\n`, 20_000, 16),
  makeCase("1 MB events, random chunks ≤ 64 KiB", () => `data: ${envelope(1_000_000)}\n\n`, 40, 65_536),
  makeCase(
    "heartbeat-size events, random chunks ≤ 40 B",
    () => 'data: {"type":"server.heartbeat"}\n\n',
    300_000,
    40,
  ),
]

type Feed = (onEvent: () => void) => (chunk: string) => void
const parsers: Record<string, Feed> = {
  "@tether/sdk": (onEvent) =>
    createParser({ onMessage: onEvent, maxEventSize: Number.POSITIVE_INFINITY }).feed,
  "eventsource-parser": (onEvent) => eventsourceParser({ onEvent }).feed,
}

const rounds = 11
console.log(`| case | parser | MB/s (median of ${rounds}) | events |`)
console.log("| --- | --- | ---: | ---: |")
for (const benchCase of cases) {
  const bytes = benchCase.chunks.reduce((sum, chunk) => sum + chunk.length, 0)
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(parsers).map((name) => [name, []]))
  const counts: Record<string, number> = {}
  // Alternate the parsers round by round so both see the same machine noise.
  for (let round = 0; round < rounds; round++) {
    for (const [name, make] of Object.entries(parsers)) {
      let count = 0
      const feed = make(() => count++)
      const start = performance.now()
      for (const chunk of benchCase.chunks) feed(chunk)
      times[name]?.push(performance.now() - start)
      counts[name] = count
    }
  }
  for (const name of Object.keys(parsers)) {
    const sorted = (times[name] ?? []).sort((a, b) => a - b)
    const median = sorted[Math.floor(sorted.length / 2)] as number
    if (counts[name] !== benchCase.events)
      throw new Error(`${name} parsed ${counts[name]} of ${benchCase.events} events`)
    console.log(
      `| ${benchCase.name} | ${name} | ${(bytes / 1e6 / (median / 1000)).toFixed(0)} | ${benchCase.events} |`,
    )
  }
}
