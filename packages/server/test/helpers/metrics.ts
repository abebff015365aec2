/**
 * Reads `GET /global/metrics` for tests: every sample by its exact series (`name{labels}` as printed),
 * and the difference between two scrapes.
 */

/** Samples by series, e.g. `tether_stream_disconnects_total{reason="slow"}` → 1. */
export type Samples = ReadonlyMap<string, number>

/** Parses the text exposition (comment lines skipped). */
export const parseSamples = (text: string): Samples => {
  const samples = new Map<string, number>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const space = line.lastIndexOf(" ")
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** Scrapes a server. */
export const scrape = async (baseUrl: string, headers: Record<string, string> = {}): Promise<Samples> => {
  const response = await fetch(`${baseUrl}/global/metrics`, { headers })
  if (response.status !== 200)
    throw new Error(`metrics answered ${response.status}: ${await response.text()}`)
  return parseSamples(await response.text())
}

/** How much `series` grew from `before` to `after` (a series absent counts as 0). */
export const delta = (before: Samples, after: Samples, series: string): number =>
  (after.get(series) ?? 0) - (before.get(series) ?? 0)
