/**
 * @module
 * A scratch copy of this repository for tests that run the documented contributor and maintainer flows
 * (add a changeset, lint, release) end to end: those flows write files and need git, so they run in a
 * throw-away git repository, never in the work tree the tests were started from.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { type RunResult, run as runCommand } from "../pack-check/run.ts"
import { ROOT } from "../pack-check/workspace.ts"

/** A scratch repository: its folder, a runner bound to it, and `remove()` for the test's cleanup. */
export interface ScratchRepo {
  dir: string
  run(command: string[], options?: { env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>
  remove(): void
}

const git = ["git", "-c", "user.name=Tether Test", "-c", "user.email=test@tether.invalid"]

/**
 * Copies the work tree as it is now (tracked and untracked files, without what `.gitignore` ignores) into a
 * fresh folder, commits it there on a `main` branch, and links the root `node_modules` so the repo's tools
 * (Biome, Changesets, turbo) run without an install. The copy reflects uncommitted edits, so a test proves
 * the files being worked on.
 *
 * @example
 * ```ts
 * const repo = await scratchRepo()
 * try {
 *   expect((await repo.run(["bun", "run", "lint"])).code).toBe(0)
 * } finally {
 *   repo.remove()
 * }
 * ```
 */
export async function scratchRepo(): Promise<ScratchRepo> {
  const dir = mkdtempSync(join(tmpdir(), "tether-scratch-repo-"))
  const run: ScratchRepo["run"] = (command, options = {}) =>
    runCommand(command, {
      cwd: dir,
      env: { CI: "true", ...options.env },
      timeoutMs: options.timeoutMs ?? 60_000,
    })
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const listed = Bun.spawnSync(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: ROOT,
    })
    if (listed.exitCode !== 0) throw new Error(`git ls-files failed: ${listed.stderr.toString()}`)
    for (const file of listed.stdout.toString().split("\0")) {
      // A tracked file deleted in the work tree is not part of what is being tested.
      if (file === "" || !(await Bun.file(join(ROOT, file)).exists())) continue
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      cpSync(join(ROOT, file), join(dir, file))
    }
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"))
    for (const step of [
      ["git", "init", "-q", "-b", "main"],
      ["git", "add", "-A"],
      [...git, "commit", "-q", "-m", "chore(repo): scratch copy"],
    ]) {
      const { code, stderr } = await run(step)
      if (code !== 0) throw new Error(`${step.join(" ")} failed in ${dir}: ${stderr}`)
    }
  } catch (error) {
    remove()
    throw error
  }
  return { dir, run, remove }
}

/** `git` with a fixed author, for commits made in a scratch repository. */
export const gitCommand = (...args: string[]): string[] => [...git, ...args]
