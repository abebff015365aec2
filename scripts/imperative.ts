/**
 * @module
 * Turns the first word of a commit subject into the imperative ("Clarified" → "clarify", "adds" → "add"),
 * so that the PR-title check can suggest the subject the convention asks for instead of only refusing it.
 * Only the verbs listed here are recognised: a word that merely ends in "-ed" or "-s" ("embed", "speed",
 * "bus") is never mistaken for a past tense.
 */

// Verbs that commit subjects start with. Extend the list when a title's suggestion misses one.
const VERBS = `
  add allow apply avoid bump cache call change check clarify clean close correct create default defer
  delete deprecate describe disable document drop emit enable encode ensure explain expose extract fix
  forward guard handle ignore implement improve include limit list log mark merge move name open parse
  pass prevent print refuse reject release remove rename reorder replace report require reset resolve
  restore retry return reuse revert say separate show simplify skip sort start stop support switch
  test tidy track treat trim update upgrade use validate wait warn wrap
`
  .trim()
  .split(/\s+/)

// Verbs whose last consonant doubles before -ed and -ing ("drop" → "dropped").
const DOUBLED = new Set(["drop", "emit", "defer", "log", "skip", "stop", "trim", "wrap"])

const IRREGULAR: Record<string, string> = {
  made: "make",
  kept: "keep",
  wrote: "write",
  written: "write",
  rewrote: "rewrite",
  rewritten: "rewrite",
  ran: "run",
  sent: "send",
  said: "say",
  threw: "throw",
  thrown: "throw",
  hid: "hide",
  hidden: "hide",
  shown: "show",
  built: "build",
}

const endsInConsonantY = (verb: string) => /[^aeiou]y$/.test(verb)

function pastOf(verb: string): string {
  if (verb.endsWith("e")) return `${verb}d`
  if (endsInConsonantY(verb)) return `${verb.slice(0, -1)}ied`
  if (DOUBLED.has(verb)) return `${verb}${verb.at(-1)}ed`
  return `${verb}ed`
}

function thirdPersonOf(verb: string): string {
  if (/(s|x|z|sh|ch)$/.test(verb)) return `${verb}es`
  if (endsInConsonantY(verb)) return `${verb.slice(0, -1)}ies`
  return `${verb}s`
}

function gerundOf(verb: string): string {
  if (verb.endsWith("e") && !verb.endsWith("ee")) return `${verb.slice(0, -1)}ing`
  if (DOUBLED.has(verb)) return `${verb}${verb.at(-1)}ing`
  return `${verb}ing`
}

// Every recognised inflected form, lowercase, mapped to its imperative.
const IMPERATIVE_OF = new Map<string, string>(Object.entries(IRREGULAR))
for (const verb of VERBS) {
  for (const form of [pastOf(verb), thirdPersonOf(verb), gerundOf(verb)]) IMPERATIVE_OF.set(form, verb)
}

/**
 * The imperative of a subject's first word when it is a recognised past tense, third person or "-ing"
 * form of a known verb (matched case-insensitively); `undefined` for anything else, imperatives included.
 *
 * @example
 * ```ts
 * import { imperativeOf } from "./scripts/imperative.ts"
 *
 * imperativeOf("Clarified") // "clarify"
 * imperativeOf("adds") // "add"
 * imperativeOf("embed") // undefined: not an inflected form
 * ```
 */
export function imperativeOf(word: string): string | undefined {
  return IMPERATIVE_OF.get(word.toLowerCase())
}
