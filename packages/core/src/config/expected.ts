/**
 * Reads the config schema to say, in words, what a key expects ("an integer from 1000 to 60000")
 * and which keys an object allows. Used to word validation issues.
 *
 * @module
 */
import { z } from "zod"

type Segment = PropertyKey

/** Strips the wrappers that do not change what a value must look like. */
const unwrap = (schema: z.ZodType): z.ZodType => {
  let current = schema
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional
  ) {
    current = current.unwrap() as z.ZodType
  }
  return current
}

/** The schema that validates the value at `path`, or `undefined` when the path leaves the schema. */
export const schemaAt = (root: z.ZodType, path: readonly Segment[]): z.ZodType | undefined => {
  let current: z.ZodType | undefined = unwrap(root)
  for (const segment of path) {
    if (current instanceof z.ZodObject && typeof segment === "string") {
      const next: z.ZodType | undefined = (current.shape as Record<string, z.ZodType | undefined>)[segment]
      current = next === undefined ? undefined : unwrap(next)
    } else if (current instanceof z.ZodArray && typeof segment === "number") {
      current = unwrap(current.element as z.ZodType)
    } else {
      return undefined
    }
    if (current === undefined) return undefined
  }
  return current
}

/** The keys an object schema allows, in declaration order; `[]` for anything else. */
export const allowedKeys = (schema: z.ZodType | undefined): string[] =>
  schema instanceof z.ZodObject ? Object.keys(schema.shape) : []

const isBound = (n: number | null): n is number =>
  n !== null && Number.isFinite(n) && Math.abs(n) < Number.MAX_SAFE_INTEGER

const describeNumber = (schema: z.ZodNumber): string => {
  const noun = schema.isInt ? "an integer" : "a number"
  const min = schema.minValue
  const max = schema.maxValue
  if (isBound(min) && isBound(max)) return `${noun} from ${min} to ${max}`
  if (isBound(min)) return `${noun} of at least ${min}`
  if (isBound(max)) return `${noun} of at most ${max}`
  return noun
}

/**
 * What a value must be, as a phrase that follows "expected": `an integer from 1000 to 60000`,
 * `a non-empty string`, `an array`, `an object`.
 */
export const describeExpected = (schema: z.ZodType | undefined): string => {
  const s = schema === undefined ? undefined : unwrap(schema)
  if (s instanceof z.ZodNumber) return describeNumber(s)
  if (s instanceof z.ZodString) return (s.minLength ?? 0) > 0 ? "a non-empty string" : "a string"
  if (s instanceof z.ZodBoolean) return "true or false"
  if (s instanceof z.ZodArray) return describeArray(s.element as z.ZodType)
  if (s instanceof z.ZodObject) return "an object"
  return "a valid value"
}

// Only the item kind: an item's own issue (path `server.cors.0`) says the rest.
const describeArray = (element: z.ZodType): string => {
  const item = unwrap(element)
  if (item instanceof z.ZodString) return "an array of strings"
  if (item instanceof z.ZodNumber) return "an array of numbers"
  return "an array"
}
