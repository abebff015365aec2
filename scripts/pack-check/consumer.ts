/**
 * @module
 * A fresh project outside the workspace that installs the packed tarballs, as a user would.
 */
import { mkdirSync } from "node:fs"
import { join, relative } from "node:path"
import { run, runOk } from "./run.ts"
import type { Tarball } from "./tarball.ts"

/**
 * The tools the type-checking consumer installs from the registry, pinned like everything in this
 * repo: the TypeScript the workspace uses, and the last 5.x line, which many users are still on.
 */
export const CONSUMER_TOOLS = {
  typescript: "7.0.2",
  "typescript-5": "npm:typescript@5.9.3",
  "@types/bun": "1.4.5",
} as const

export type PackageManager = "npm" | "bun"

export interface Consumer {
  manager: PackageManager
  dir: string
}

/**
 * Writes the consumer's package.json: every tarball as a `file:` dependency, and the same specs as
 * `overrides`, so that `@tether/server`'s dependency on `@tether/core@x.y.z` is served by the tarball
 * and never looked up in the registry (where it may not exist yet, or be an older release).
 */
export async function createConsumer(
  scratch: string,
  manager: PackageManager,
  tarballs: readonly Tarball[],
  withTools: boolean,
): Promise<Consumer> {
  const dir = join(scratch, `consumer-${manager}`)
  mkdirSync(dir, { recursive: true })
  const specs = Object.fromEntries(
    tarballs.map((tarball) => [tarball.name, `file:${relative(dir, tarball.path)}`]),
  )
  const manifest = {
    name: `tether-pack-check-${manager}`,
    version: "0.0.0",
    private: true,
    type: "module",
    dependencies: specs,
    devDependencies: withTools ? CONSUMER_TOOLS : {},
    overrides: specs,
  }
  await Bun.write(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  return { manager, dir }
}

/** Installs the consumer's dependencies with its package manager. */
export async function install(consumer: Consumer): Promise<string> {
  const command =
    consumer.manager === "npm"
      ? ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
      : ["bun", "install", "--no-progress"]
  const result = await runOk(command, { cwd: consumer.dir, timeoutMs: 300_000 })
  return `${command.join(" ")} in ${(result.ms / 1000).toFixed(1)} s`
}

/**
 * Proves that every `@tether/*` package resolved to exactly one copy: the tarball's. A second,
 * nested copy would mean a range did not match the sibling and something came from the registry.
 */
export async function installedCopies(consumer: Consumer, tarballs: readonly Tarball[]): Promise<string[]> {
  const problems: string[] = []
  for (const tarball of tarballs) {
    const top = Bun.file(join(consumer.dir, "node_modules", tarball.name, "package.json"))
    if (!(await top.exists())) {
      problems.push(`${tarball.name} is not installed at node_modules/${tarball.name}`)
      continue
    }
    const installed = (await top.json()) as { version?: string }
    if (installed.version !== tarball.version) {
      problems.push(`node_modules/${tarball.name} is ${installed.version}, the tarball is ${tarball.version}`)
    }
  }
  const nested = await run(
    ["find", "node_modules", "-mindepth", "3", "-path", "*/node_modules/@tether/*", "-name", "package.json"],
    {
      cwd: consumer.dir,
    },
  )
  const copies = nested.stdout
    .split("\n")
    .filter(
      (line) =>
        /node_modules\/@tether\/[^/]+\/package\.json$/.test(line) && line.split("node_modules").length > 2,
    )
  if (copies.length > 0) problems.push(`nested copies of Tether packages: ${copies.join(", ")}`)
  return problems
}
