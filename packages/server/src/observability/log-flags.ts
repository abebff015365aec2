/**
 * `--log-format` and `--log-level`, checked.
 *
 * @module
 */
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevelName } from "./log.ts"

/**
 * The log options from the two flags (absent: the defaults), or the message naming the flag, what it
 * accepts and the value given.
 *
 * @example
 * ```ts
 * import { parseLogFlags } from "./log-flags.ts"
 * parseLogFlags("json", undefined) // { format: "json" }
 * parseLogFlags("xml", undefined) // '--log-format expects pretty or json, got "xml"'
 * ```
 */
export const parseLogFlags = (
  format: string | undefined,
  level: string | undefined,
): { format?: LogFormat; level?: LogLevelName } | string => {
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    return `--log-format expects ${LOG_FORMATS.join(" or ")}, got "${format}"`
  }
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    return `--log-level expects one of ${LOG_LEVELS.join(", ")}, got "${level}"`
  }
  return {
    ...(format === undefined ? {} : { format: format as LogFormat }),
    ...(level === undefined ? {} : { level: level as LogLevelName }),
  }
}
