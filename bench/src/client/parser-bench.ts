/**
 * Child process of the client suite: Tether's SDK parser against `eventsource-parser` on the same
 * chunk lists. Each input is first checked for the same events and data from both parsers, then
 * timed in alternating rounds (so neither always runs on a warmer heap); MB/s is the median round.
 *
 * Usage: `bun --conditions=@tether/source src/client/parser-bench.ts '{"scale":1,"rounds":7}'`
 *
 * @module
 */
import { createParser as createSdkParser } from "@tether/sdk/sse"
import { createParser as createReferenceParser } from "eventsource-parser"
import { median } from "../stats/percentiles.ts"
import { type ParserInput, parserInputs } from "./parser-inputs.ts"

/** Throughput of both parsers on one input. */
export interface ParserBenchRow {
  readonly input: string
  readonly megabytes: number
  readonly events: number
  readonly sdkMBps: number
  readonly referenceMBps: number
}

interface Tally {
  events: number
  dataChars: number
}

type Runner = (input: ParserInput, tally: Tally) => void

const runSdk: Runner = (input, tally) => {
  const parser = createSdkParser({
    onMessage: (message) => {
      tally.events++
      tally.dataChars += message.data.length
    },
  })
  for (const chunk of input.chunks) parser.feed(chunk)
}

const runReference: Runner = (input, tally) => {
  const parser = createReferenceParser({
    onEvent: (event) => {
      tally.events++
      tally.dataChars += event.data.length
    },
  })
  for (const chunk of input.chunks) parser.feed(chunk)
}

const check = (name: string, run: Runner, input: ParserInput): void => {
  const tally = { events: 0, dataChars: 0 }
  run(input, tally)
  if (tally.events !== input.events || tally.dataChars !== input.dataChars) {
    throw new Error(
      `${name} parsed ${input.name} wrong: ${tally.events} events / ${tally.dataChars} data chars, ` +
        `expected ${input.events} / ${input.dataChars}`,
    )
  }
}

/** One round: feed the whole input again and again for at least `MIN_ROUND_MS`, so timer resolution and a stray GC weigh little. */
const MIN_ROUND_MS = 150
const time = (run: Runner, input: ParserInput): number => {
  const tally = { events: 0, dataChars: 0 }
  const start = performance.now()
  let passes = 0
  do {
    run(input, tally)
    passes++
  } while (performance.now() - start < MIN_ROUND_MS)
  const seconds = (performance.now() - start) / 1000
  return (passes * input.bytes) / 1e6 / seconds
}

const config = JSON.parse(process.argv[2] ?? "{}") as { scale?: number; rounds?: number }
const rounds = config.rounds ?? 7
const rows: ParserBenchRow[] = []
for (const input of parserInputs(config.scale ?? 1)) {
  check("@tether/sdk/sse", runSdk, input)
  check("eventsource-parser", runReference, input)
  const sdk: number[] = []
  const reference: number[] = []
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      sdk.push(time(runSdk, input))
      reference.push(time(runReference, input))
    } else {
      reference.push(time(runReference, input))
      sdk.push(time(runSdk, input))
    }
  }
  rows.push({
    input: input.name,
    megabytes: input.bytes / 1e6,
    events: input.events,
    sdkMBps: median(sdk) ?? 0,
    referenceMBps: median(reference) ?? 0,
  })
}
console.log(JSON.stringify(rows))
