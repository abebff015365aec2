/**
 * @module
 * Checks a pull request title against Tether's convention, `type(scope): subject`, because the title
 * becomes the squash-merge commit and the changelog reader's first clue to what changed and where.
 *
 * ```sh
 * bun scripts/pr-title.ts "fix(sdk): reset the backoff after every heartbeat"   # exit 0
 * PR_TITLE="Fixed stuff." bun scripts/pr-title.ts                              # exit 1, says why
 * ```
 */

import { imperativeOf } from "./imperative.ts"

/** The change kinds a title may start with. */
export const TYPES = ["feat", "fix", "docs", "test", "chore", "refactor", "perf", "build", "ci"] as const

/** Where a change lands: one package, the benchmarks, the repo tooling, or dependency bumps. */
export const SCOPES = ["core", "server", "sdk", "app", "bench", "repo", "deps"] as const

/** Longest title accepted: GitHub and `git log --oneline` cut longer ones. */
export const MAX_TITLE_LENGTH = 100

export type PrType = (typeof TYPES)[number]
export type PrScope = (typeof SCOPES)[number]

/** A title that passed, split into its parts. */
export interface PrTitle {
  type: PrType
  scopes: PrScope[]
  breaking: boolean
  subject: string
}

export type PrTitleResult = { ok: true; title: PrTitle } | { ok: false; problems: string[] }

// Common near-misses get a concrete suggestion instead of only the list.
const TYPE_ALIASES: Record<string, PrType> = {
  feature: "feat",
  features: "feat",
  add: "feat",
  bug: "fix",
  bugfix: "fix",
  hotfix: "fix",
  fixes: "fix",
  doc: "docs",
  tests: "test",
  testing: "test",
  refactoring: "refactor",
  performance: "perf",
  style: "chore",
  chores: "chore",
}

const SCOPE_ALIASES: Record<string, PrScope> = {
  client: "sdk",
  web: "app",
  ui: "app",
  cli: "server",
  config: "core",
  benchmarks: "bench",
  ci: "repo",
  release: "repo",
  root: "repo",
  dependencies: "deps",
  "tether/core": "core",
  "tether/server": "server",
  "tether/sdk": "sdk",
  "tether/app": "app",
}

// Subjects that say nothing about the change.
const VAGUE_SUBJECTS = new Set([
  "wip",
  "update",
  "updates",
  "fix",
  "fixes",
  "changes",
  "misc",
  "stuff",
  "tmp",
  "test",
])

const HEADER = /^(?<type>[^\s():!]+)(?:\((?<scope>[^()]*)\))?(?<bang>!)?:(?<space>\s*)(?<subject>.*)$/

function isType(value: string): value is PrType {
  return (TYPES as readonly string[]).includes(value)
}

function isScope(value: string): value is PrScope {
  return (SCOPES as readonly string[]).includes(value)
}

function checkType(raw: string, problems: string[]): PrType | undefined {
  if (isType(raw)) return raw
  const lower = raw.toLowerCase()
  if (isType(lower)) {
    problems.push(`type "${raw}" must be lowercase: "${lower}"`)
    return undefined
  }
  const alias = TYPE_ALIASES[lower]
  problems.push(
    alias
      ? `type "${raw}" is not allowed: did you mean "${alias}"?`
      : `type "${raw}" is not one of: ${TYPES.join(", ")}`,
  )
  return undefined
}

function checkScopes(raw: string | undefined, problems: string[]): PrScope[] {
  if (raw === undefined) {
    problems.push(
      `a scope is required after the type, naming the package the change lands in: (${SCOPES.join("|")})`,
    )
    return []
  }
  const parts = raw.split(",").map((part) => part.trim())
  if (parts.some((part) => part === "")) {
    problems.push(`scope "(${raw})" has an empty entry: write e.g. (sdk) or (server,sdk)`)
    return []
  }
  const scopes: PrScope[] = []
  for (const part of parts) {
    const lower = part.toLowerCase().replace(/^@/, "")
    if (isScope(part)) {
      if (scopes.includes(part)) problems.push(`scope "${part}" is listed twice`)
      else scopes.push(part)
    } else if (isScope(lower)) {
      problems.push(`scope "${part}" must be lowercase: "${lower}"`)
    } else {
      const alias = SCOPE_ALIASES[lower]
      problems.push(
        alias
          ? `scope "${part}" is not allowed: did you mean "${alias}"?`
          : `scope "${part}" is not one of: ${SCOPES.join(", ")}`,
      )
    }
  }
  return scopes
}

function checkSubject(subject: string, space: string, problems: string[]): void {
  if (space !== " ") {
    problems.push(
      space === ""
        ? 'put one space after the colon: "type(scope): subject"'
        : "put exactly one space after the colon",
    )
  }
  if (subject.trim() === "") {
    problems.push("the subject after the colon is empty: say what the change does")
    return
  }
  const first = subject.trim()
  const fullStop = /[.。]$/.test(first)
  const [word = "", ...rest] = first.split(" ")
  const imperative = imperativeOf(word)
  // "Add x" is sentence case; "SSE parser" or "`Bun.serve`" start with an acronym or code and are fine.
  const sentenceCase = /^\p{Lu}\p{Ll}/u.test(first)
  if (imperative !== undefined || sentenceCase) {
    // The suggestion is the whole subject as it should be: imperative, lowercase, without the full stop.
    const verb = imperative ?? `${word[0]?.toLowerCase()}${word.slice(1)}`
    const suggestion = [verb, ...rest].join(" ").replace(/[.。]$/, "")
    problems.push(`start the subject with a lowercase imperative verb: "${suggestion}"`)
  }
  if (fullStop) problems.push("drop the full stop at the end of the subject")
  if (VAGUE_SUBJECTS.has(first.toLowerCase())) {
    problems.push(`subject "${first}" says nothing about the change: describe what it does`)
  } else if (first.length < 3) {
    problems.push(`subject "${first}" is too short: describe what the change does`)
  }
}

/**
 * Checks a pull request title. Accepts `type(scope): subject`, several scopes separated by commas
 * (`fix(server,sdk): …`) and `!` before the colon for a breaking change (`feat(sdk)!: …`).
 * Leading and trailing whitespace of the whole title is ignored.
 *
 * @example
 * ```ts
 * import { checkPrTitle } from "./scripts/pr-title.ts"
 *
 * checkPrTitle("fix(sdk): reset the backoff after every heartbeat")
 * // { ok: true, title: { type: "fix", scopes: ["sdk"], breaking: false, subject: "reset the backoff after every heartbeat" } }
 * checkPrTitle("Fix sdk.")
 * // { ok: false, problems: ['the title must start with "type(scope): " …'] }
 * ```
 */
export function checkPrTitle(input: string): PrTitleResult {
  const title = input.trim()
  const problems: string[] = []
  if (title === "") return { ok: false, problems: ["the title is empty"] }
  if (title.length > MAX_TITLE_LENGTH) {
    problems.push(`the title is ${title.length} characters long: keep it to ${MAX_TITLE_LENGTH} at most`)
  }
  const match = HEADER.exec(title)
  if (!match?.groups) {
    problems.push(
      /^[A-Za-z]+\s+\(/.test(title)
        ? 'no space between the type and its scope: "fix(sdk): …"'
        : 'the title must start with "type(scope): ", e.g. "fix(sdk): …"',
    )
    return { ok: false, problems }
  }
  const { type: rawType = "", scope, bang, space = "", subject = "" } = match.groups
  const type = checkType(rawType, problems)
  const scopes = checkScopes(scope, problems)
  checkSubject(subject, space, problems)
  if (problems.length > 0 || type === undefined) return { ok: false, problems }
  return { ok: true, title: { type, scopes, breaking: bang === "!", subject: subject.trim() } }
}

/** The failure message printed by the CLI: every problem, then the convention with examples. */
export function formatProblems(title: string, problems: readonly string[]): string {
  return [
    `PR title ${JSON.stringify(title)} does not follow the convention:`,
    ...problems.map((problem) => `  - ${problem}`),
    "",
    "Expected: type(scope): subject",
    `  types:   ${TYPES.join(" ")}`,
    `  scopes:  ${SCOPES.join(" ")} (several: "fix(server,sdk): …")`,
    '  breaking change: "!" before the colon, e.g. "feat(sdk)!: rename subscribe() options"',
    "  subject: lowercase imperative, no full stop at the end",
    'Example: "fix(sdk): reset the backoff after every heartbeat"',
  ].join("\n")
}

if (import.meta.main) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: read by the CI pr-title job, not by a turbo task
  const title = process.argv.slice(2).join(" ") || process.env.PR_TITLE || ""
  const result = checkPrTitle(title)
  if (result.ok) {
    console.log(`PR title ok: ${title.trim()}`)
  } else {
    console.error(formatProblems(title, result.problems))
    process.exit(1)
  }
}
