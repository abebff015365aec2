/**
 * Small, pure formatters shared by the panels.
 *
 * @module
 */

/** `1234` → `"1.2 s"`, `65_000` → `"1 min 5 s"`, `400` → `"400 ms"`. Negative values count as 0. */
export const formatDuration = (ms: number): string => {
  const value = Math.max(0, ms)
  if (value < 1000) return `${Math.round(value)} ms`
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`
  if (value < 60_000) return `${Math.floor(value / 1000)} s`
  const minutes = Math.floor(value / 60_000)
  const seconds = Math.floor((value % 60_000) / 1000)
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`
}

/** Whole seconds left until `at`, rounded up so the countdown never shows 0 before it is due. */
export const secondsUntil = (at: number, now: number): number => Math.max(0, Math.ceil((at - now) / 1000))

/** `HH:MM:SS.mmm` in local time: enough to order events at a glance. */
export const formatClock = (ms: number): string => {
  const d = new Date(ms)
  const pad = (n: number, width = 2) => String(n).padStart(width, "0")
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

/** Properties as one compact line of JSON, cut at `max` characters. */
export const previewJson = (value: unknown, max = 160): string => {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
