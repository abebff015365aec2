/**
 * Flags of `bun run bench`.
 *
 * @module
 */

/** Every server the fan-out suite knows, in report order (the floor first: ratios are to it). */
export const SERVER_NAMES = [
  "floor",
  "hono",
  "better-sse",
  "effect-stream",
  "tether",
  "tether-scraped",
  "tether-memory",
  "tether-redis",
] as const
export type ServerName = (typeof SERVER_NAMES)[number]

/** Every suite, in run order. */
export const SUITE_NAMES = ["fanout", "log", "client", "recovery", "storm"] as const
export type SuiteName = (typeof SUITE_NAMES)[number]

/**
 * Runs of a cell with `connections` subscribers: as given, or by default 3 at light load (cheap runs,
 * where a single stall moves a p99 most) and 2 above.
 *
 * @example
 * ```ts
 * repeatsFor({ repeats: "auto" }, 1000) // 3
 * ```
 */
export const repeatsFor = (options: Pick<BenchOptions, "repeats">, connections: number): number =>
  options.repeats === "auto" ? (connections <= 1000 ? 3 : 2) : options.repeats

/** A benchmark run's settings. */
export interface BenchOptions {
  readonly quick: boolean
  /** Subscriber counts C of the fan-out runs. */
  readonly connections: readonly number[]
  /** Publishes per second during the publish phase. */
  readonly rate: number
  readonly publishSeconds: number
  readonly drainSeconds: number
  readonly idleSeconds: number
  readonly heartbeatMs: number
  /** Runs of each (server, C) cell; the report gives medians. Use {@link repeatsFor}. */
  readonly repeats: number | "auto"
  readonly servers: readonly ServerName[]
  readonly suites: readonly SuiteName[]
  /** Events written then replayed in the event-log suite. */
  readonly logEvents: number
  /** Resuming clients, events each replays, and bytes per event of the replay-storm suite. */
  readonly stormClients: number
  readonly stormEvents: number
  readonly stormEventBytes: number
  /** SDK subscribers of the recovery suite and of the SDK memory figure. */
  readonly sdkSubscribers: number
  /**
   * Write `docs/BENCHMARKS.md` and the SVG. Off unless `--write` is given: both files are tracked, and a
   * trial run (a quick run, a subset of servers) must not replace the published figures by accident.
   */
  readonly write: boolean
  /** Run the Bun servers with `--cpu-prof` into this directory and summarise the top frames (null: off). */
  readonly cpuProfDir: string | null
}

export const USAGE = `bun run bench [flags]

  --quick                   short run: C = 200,1000, 2 s phases, 1 repeat (about 3 minutes)
  --connections 1000,5000   subscriber counts C (default 1000,5000,10000)
  --rate N                  publishes per second (default 50)
  --publish-seconds N       publish phase length (default 5; quick 2)
  --drain-seconds N         how long to wait for stragglers after publishing (default 5; quick 3)
  --idle-seconds N          idle heartbeat window (default 3; quick 2)
  --repeats N               runs per cell, medians reported (default 3 at C <= 1000, 2 above; quick 1)
  --servers a,b             of ${SERVER_NAMES.join(", ")}
  --suites a,b              of ${SUITE_NAMES.join(", ")}
  --log-events N            events written and replayed in the log suite (default 10000)
  --storm-clients N         clients resuming at once in the storm suite (default 300; quick 100)
  --storm-events N          events each of them replays (default 10000; quick 2000)
  --storm-event-bytes N     bytes per replayed event on the wire (default 4096)
  --sdk-subscribers N       SDK subscribers for recovery and SDK memory (default 1000; quick 200)
  --write                   also write the report to docs/BENCHMARKS.md and the chart to docs/bench-latency.svg
                            (tracked files; without it the report only goes to stdout)
  --cpu-prof DIR            profile the Bun servers (bun --cpu-prof) into DIR and print their top frames
  --help`

const list = <T extends string>(flag: string, text: string, allowed: readonly T[]): T[] => {
  const items = text.split(",").map((item) => item.trim())
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${flag}: unknown "${item}"; expected some of ${allowed.join(", ")}`)
    }
  }
  return items as T[]
}

const positive = (flag: string, text: string | undefined, integer: boolean): number => {
  const value = Number(text)
  if (text === undefined || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(
      `${flag}: expected a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(text)}`,
    )
  }
  return value
}

const cpuProf = (text: string | undefined, given: boolean): string | null => {
  if (!given) return null
  if (text === undefined || text.startsWith("--")) throw new Error("--cpu-prof: expected a directory")
  return text
}

/**
 * Parse the flags; throws an `Error` naming the flag and the value for anything wrong.
 *
 * @example
 * ```ts
 * parseOptions(["--quick", "--connections", "500"]).connections // [500]
 * ```
 */
export const parseOptions = (argv: readonly string[]): BenchOptions | "help" => {
  if (argv.includes("--help") || argv.includes("-h")) return "help"
  const quick = argv.includes("--quick")
  const values = new Map<string, string | undefined>()
  const switches = new Set(["--quick", "--write"])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (switches.has(arg)) continue
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"\n\n${USAGE}`)
    const eq = arg.indexOf("=")
    if (eq > 0) values.set(arg.slice(0, eq), arg.slice(eq + 1))
    else values.set(arg, argv[++i])
  }
  const known = new Set([
    "--connections",
    "--rate",
    "--publish-seconds",
    "--drain-seconds",
    "--idle-seconds",
    "--repeats",
    "--servers",
    "--suites",
    "--log-events",
    "--storm-clients",
    "--storm-events",
    "--storm-event-bytes",
    "--sdk-subscribers",
    "--cpu-prof",
  ])
  for (const flag of values.keys()) {
    if (!known.has(flag)) throw new Error(`unknown flag ${flag}\n\n${USAGE}`)
  }
  const number = (flag: string, fallback: number, integer = true): number =>
    values.has(flag) ? positive(flag, values.get(flag), integer) : fallback
  const connectionsText = values.get("--connections")
  const connections = connectionsText
    ? connectionsText.split(",").map((part) => positive("--connections", part.trim(), true))
    : quick
      ? [200, 1000]
      : [1000, 5000, 10000]
  const serversText = values.get("--servers")
  const suitesText = values.get("--suites")
  return {
    quick,
    connections,
    rate: number("--rate", 50, false),
    publishSeconds: number("--publish-seconds", quick ? 2 : 5, false),
    drainSeconds: number("--drain-seconds", quick ? 3 : 5, false),
    idleSeconds: number("--idle-seconds", quick ? 2 : 3, false),
    heartbeatMs: 1000,
    repeats: values.has("--repeats") ? number("--repeats", 1) : quick ? 1 : "auto",
    servers: serversText ? list("--servers", serversText, SERVER_NAMES) : [...SERVER_NAMES],
    suites: suitesText ? list("--suites", suitesText, SUITE_NAMES) : [...SUITE_NAMES],
    logEvents: number("--log-events", 10_000),
    stormClients: number("--storm-clients", quick ? 100 : 300),
    stormEvents: number("--storm-events", quick ? 2000 : 10_000),
    stormEventBytes: number("--storm-event-bytes", 4096),
    sdkSubscribers: number("--sdk-subscribers", quick ? 200 : 1000),
    write: argv.includes("--write"),
    cpuProfDir: cpuProf(values.get("--cpu-prof"), values.has("--cpu-prof")),
  }
}
