import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { checkPrTitle, formatProblems, MAX_TITLE_LENGTH, SCOPES, TYPES } from "./pr-title.ts"

const script = join(import.meta.dir, "pr-title.ts")

function problemsOf(title: string): string[] {
  const result = checkPrTitle(title)
  if (result.ok) throw new Error(`expected ${JSON.stringify(title)} to be refused`)
  return result.problems
}

describe("checkPrTitle accepts", () => {
  test.each([
    ["fix(sdk): reset the backoff after every heartbeat", "fix", ["sdk"], false],
    ["feat(server): configurable heartbeat for open streams", "feat", ["server"], false],
    ["feat(sdk)!: rename the subscribe() backoff options", "feat", ["sdk"], true],
    ["fix(server,sdk): resume from the last id after a slow-client drop", "fix", ["server", "sdk"], false],
    ["fix(server, sdk): resume from the last id", "fix", ["server", "sdk"], false],
    ["chore(deps): bump zod to 4.6.7", "chore", ["deps"], false],
    ["docs(repo): explain changesets in CONTRIBUTING", "docs", ["repo"], false],
    ["perf(bench): SSE parser on 1 MiB data lines", "perf", ["bench"], false],
    ["refactor(core): `ConfigInvalid` issues as a list", "refactor", ["core"], false],
  ] as const)("%p", (title, type, scopes, breaking) => {
    const result = checkPrTitle(title)
    expect(result).toEqual({
      ok: true,
      title: { type, scopes: [...scopes], breaking, subject: title.slice(title.indexOf(": ") + 2) },
    })
  })

  test("every listed type and scope", () => {
    for (const type of TYPES) {
      for (const scope of SCOPES) {
        expect(checkPrTitle(`${type}(${scope}): change something real`).ok).toBe(true)
      }
    }
  })

  test("surrounding whitespace of the whole title is ignored", () => {
    expect(checkPrTitle("  fix(app): show the reconnect countdown \n").ok).toBe(true)
  })

  test("a title of exactly the maximum length", () => {
    const prefix = "fix(sdk): "
    const title = prefix + "a".repeat(MAX_TITLE_LENGTH - prefix.length)
    expect(title.length).toBe(MAX_TITLE_LENGTH)
    expect(checkPrTitle(title).ok).toBe(true)
  })
})

describe("checkPrTitle refuses, saying why", () => {
  test("an empty title", () => {
    expect(problemsOf("   ")).toEqual(["the title is empty"])
  })

  test("no type(scope) prefix at all", () => {
    expect(problemsOf("Fix the reconnect loop")).toEqual([
      'the title must start with "type(scope): ", e.g. "fix(sdk): …"',
    ])
  })

  test("a space between the type and the scope", () => {
    expect(problemsOf("fix (sdk): reset the backoff")).toEqual([
      'no space between the type and its scope: "fix(sdk): …"',
    ])
  })

  test("an unknown type lists the allowed ones", () => {
    expect(problemsOf("update(sdk): reset the backoff")).toEqual([
      `type "update" is not one of: ${TYPES.join(", ")}`,
    ])
  })

  test("a near-miss type gets a suggestion", () => {
    expect(problemsOf("feature(sdk): typed config calls")).toEqual([
      'type "feature" is not allowed: did you mean "feat"?',
    ])
    expect(problemsOf("bugfix(server): flush the log on SIGTERM")).toEqual([
      'type "bugfix" is not allowed: did you mean "fix"?',
    ])
  })

  test("an upper-case type", () => {
    expect(problemsOf("Fix(sdk): reset the backoff")).toEqual(['type "Fix" must be lowercase: "fix"'])
  })

  test("a missing scope", () => {
    expect(problemsOf("fix: reset the backoff")).toEqual([
      `a scope is required after the type, naming the package the change lands in: (${SCOPES.join("|")})`,
    ])
  })

  test("an unknown scope lists the allowed ones, a near miss gets a suggestion", () => {
    expect(problemsOf("fix(parser): handle CRLF")).toEqual([
      `scope "parser" is not one of: ${SCOPES.join(", ")}`,
    ])
    expect(problemsOf("fix(client): handle CRLF")).toEqual([
      'scope "client" is not allowed: did you mean "sdk"?',
    ])
    expect(problemsOf("fix(@tether/sdk): handle CRLF")).toEqual([
      'scope "@tether/sdk" is not allowed: did you mean "sdk"?',
    ])
    expect(problemsOf("fix(SDK): handle CRLF")).toEqual(['scope "SDK" must be lowercase: "sdk"'])
  })

  test("empty and duplicate scopes", () => {
    expect(problemsOf("fix(): handle CRLF")).toEqual([
      'scope "()" has an empty entry: write e.g. (sdk) or (server,sdk)',
    ])
    expect(problemsOf("fix(sdk,): handle CRLF")).toEqual([
      'scope "(sdk,)" has an empty entry: write e.g. (sdk) or (server,sdk)',
    ])
    expect(problemsOf("fix(sdk,sdk): handle CRLF")).toEqual(['scope "sdk" is listed twice'])
  })

  test("spacing after the colon", () => {
    expect(problemsOf("fix(sdk):handle CRLF")).toEqual([
      'put one space after the colon: "type(scope): subject"',
    ])
    expect(problemsOf("fix(sdk):  handle CRLF")).toEqual(["put exactly one space after the colon"])
  })

  test("an empty, vague or too short subject", () => {
    expect(problemsOf("fix(sdk):")).toContain(
      "the subject after the colon is empty: say what the change does",
    )
    expect(problemsOf("fix(sdk): wip")).toEqual([
      'subject "wip" says nothing about the change: describe what it does',
    ])
    expect(problemsOf("chore(repo): Update")).toContain(
      'subject "Update" says nothing about the change: describe what it does',
    )
    expect(problemsOf("fix(sdk): ab")).toEqual(['subject "ab" is too short: describe what the change does'])
  })

  test("a sentence-case subject, with the fix spelled out", () => {
    expect(problemsOf("fix(sdk): Reset the backoff")).toEqual([
      'start the subject with a lowercase imperative verb: "reset the backoff"',
    ])
  })

  test("a past tense with a full stop: the suggestion is the imperative without the stop", () => {
    expect(problemsOf("docs(sdk): Clarified isEventType.")).toEqual([
      'start the subject with a lowercase imperative verb: "clarify isEventType"',
      "drop the full stop at the end of the subject",
    ])
  })

  test("a lowercase past tense, third person or -ing form of a known verb", () => {
    expect(problemsOf("fix(sdk): dropped the stale timer")).toEqual([
      'start the subject with a lowercase imperative verb: "drop the stale timer"',
    ])
    expect(problemsOf("feat(server): Adds a metrics endpoint")).toEqual([
      'start the subject with a lowercase imperative verb: "add a metrics endpoint"',
    ])
    expect(problemsOf("fix(app): handling the wake event")).toEqual([
      'start the subject with a lowercase imperative verb: "handle the wake event"',
    ])
  })

  test("a word that only looks inflected is left alone", () => {
    expect(checkPrTitle("feat(app): embed the panel in the settings page").ok).toBe(true)
    expect(checkPrTitle("perf(server): speed up the frame cache").ok).toBe(true)
  })

  test("a full stop at the end", () => {
    expect(problemsOf("fix(sdk): reset the backoff.")).toEqual([
      "drop the full stop at the end of the subject",
    ])
  })

  test("a title over the maximum length", () => {
    const prefix = "fix(sdk): "
    const title = prefix + "a".repeat(MAX_TITLE_LENGTH - prefix.length + 1)
    expect(problemsOf(title)).toEqual([
      `the title is ${MAX_TITLE_LENGTH + 1} characters long: keep it to ${MAX_TITLE_LENGTH} at most`,
    ])
  })

  test("several problems are all reported at once", () => {
    expect(problemsOf("Feat(ui):Add a panel.")).toEqual([
      'type "Feat" must be lowercase: "feat"',
      'scope "ui" is not allowed: did you mean "app"?',
      'put one space after the colon: "type(scope): subject"',
      'start the subject with a lowercase imperative verb: "add a panel"',
      "drop the full stop at the end of the subject",
    ])
  })
})

test("formatProblems names the title, each problem and the convention", () => {
  const text = formatProblems("Fix it", ["first problem", "second problem"])
  expect(text.split("\n").slice(0, 3)).toEqual([
    'PR title "Fix it" does not follow the convention:',
    "  - first problem",
    "  - second problem",
  ])
  expect(text).toContain(`types:   ${TYPES.join(" ")}`)
  expect(text).toContain(`scopes:  ${SCOPES.join(" ")}`)
})

describe("the CLI", () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const proc = Bun.spawn([process.execPath, script, ...args], {
      env: { ...process.env, PR_TITLE: "", ...env },
      stdout: "pipe",
      stderr: "pipe",
    })
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ])
    return { stdout, stderr, code }
  }

  test("exits 0 on a valid title given as an argument", async () => {
    const { stdout, code } = await run(["fix(sdk): reset the backoff after every heartbeat"])
    expect(code).toBe(0)
    expect(stdout).toBe("PR title ok: fix(sdk): reset the backoff after every heartbeat\n")
  })

  test("exits 1 with the reasons on stderr", async () => {
    const { stderr, code } = await run(["Fixed stuff."])
    expect(code).toBe(1)
    expect(stderr).toContain('PR title "Fixed stuff." does not follow the convention:')
    expect(stderr).toContain('the title must start with "type(scope): "')
    expect(stderr).toContain('Example: "fix(sdk): reset the backoff after every heartbeat"')
  })

  test("reads PR_TITLE when no argument is given", async () => {
    expect((await run([], { PR_TITLE: "docs(repo): how to add a changeset" })).code).toBe(0)
    const bad = await run([], { PR_TITLE: "docs: how to add a changeset" })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("a scope is required")
  })

  test("exits 1 when there is no title at all", async () => {
    const { stderr, code } = await run([])
    expect(code).toBe(1)
    expect(stderr).toContain("the title is empty")
  })
})
