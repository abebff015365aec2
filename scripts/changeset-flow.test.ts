import { afterAll, beforeAll, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { gitCommand, type ScratchRepo, scratchRepo } from "./test/scratch-repo.ts"

// CONTRIBUTING's flow for a pull request that changes one package, run as written in a scratch copy of the
// repository: change the package, add a changeset, lint (check, then fix), then what the CI's changeset
// job runs. Biome once rewrote the changeset's front matter into a heading, and `changeset status` failed.
let repo: ScratchRepo

beforeAll(async () => {
  repo = await scratchRepo()
}, 60_000)

afterAll(() => repo?.remove())

const ok = async (command: string[]) => {
  const ran = await repo.run(command)
  if (ran.code !== 0) {
    throw new Error(`${command.join(" ")} exited ${ran.code}:\n${ran.stdout}\n${ran.stderr}`)
  }
  return ran
}

test("add a changeset, lint, and changeset status pass on a one-package change", async () => {
  await ok(gitCommand("checkout", "-q", "-b", "fix-backoff"))
  const readme = join(repo.dir, "packages/sdk/README.md")
  await Bun.write(readme, `${readFileSync(readme, "utf8")}\nA line for the test.\n`)
  await ok(gitCommand("commit", "-q", "-am", "fix(sdk): reset the backoff after every heartbeat"))

  await ok([
    "bun",
    "run",
    "changeset",
    "add",
    "--patch",
    "@tether/sdk",
    "-m",
    "Reset the reconnect backoff after every heartbeat.",
  ])
  const added = (await repo.run(["git", "ls-files", "--others", "--exclude-standard", ".changeset"])).stdout
    .trim()
    .split("\n")
  expect(added).toHaveLength(1)
  const changesetFile = join(repo.dir, added[0] as string)
  const written = readFileSync(changesetFile, "utf8")
  expect(written).toStartWith('---\n"@tether/sdk": patch\n---\n')

  await ok(["bun", "run", "lint"])
  await ok(["bunx", "biome", "check", "--write", "."])
  expect(readFileSync(changesetFile, "utf8")).toBe(written)

  await ok(["git", "add", "-A"])
  await ok(gitCommand("commit", "-q", "-m", "chore(repo): add a changeset"))
  const status = await ok(["bun", "run", "changeset", "status", "--since=main"])
  expect(status.stdout + status.stderr).toContain("@tether/sdk")
}, 120_000)
