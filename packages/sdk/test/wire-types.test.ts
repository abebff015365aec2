/**
 * The SDK's wire types stay equal to `@tether/core`'s: `test/types/wire-equal.ts` asserts it at the type
 * level, and this test runs the compiler on it, plus a deliberately wrong copy to show a drift is caught.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const packageDir = resolve(import.meta.dir, "..")
const tsc = resolve(packageDir, "../../node_modules/.bin/tsc")
const dir = mkdtempSync(join(tmpdir(), "tether-sdk-wire-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function typecheck(files: string[]): { code: number; output: string } {
  const config = join(dir, `tsconfig-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(packageDir, "tsconfig.json"),
      compilerOptions: {
        noEmit: true,
        // Type roots resolve from the tsconfig's folder: point them back at the workspace's.
        typeRoots: [resolve(packageDir, "../../node_modules/@types")],
      },
      include: files,
      files,
    }),
  )
  const run = Bun.spawnSync([tsc, "-p", config], { cwd: packageDir })
  return { code: run.exitCode, output: `${run.stdout.toString()}${run.stderr.toString()}` }
}

describe("wire types", () => {
  test("equal @tether/core's (tsc on test/types/wire-equal.ts)", () => {
    const result = typecheck([join(packageDir, "test/types/wire-equal.ts")])
    expect(result.output).toBe("")
    expect(result.code).toBe(0)
  }, 60_000) // a compiler run: slow when the machine is busy

  test("a drift is caught: a Config with one key's type changed fails the same check", () => {
    const drifted = join(dir, "drifted.ts")
    writeFileSync(
      drifted,
      [
        `import type * as Core from ${JSON.stringify(resolve(packageDir, "../core/src/index.ts"))}`,
        `import type { Equals } from ${JSON.stringify(join(packageDir, "test/types/wire-equal.ts"))}`,
        `import type * as Sdk from ${JSON.stringify(join(packageDir, "src/wire.ts"))}`,
        `type Drifted = Omit<Sdk.Config, "server"> & { server: Omit<Sdk.Config["server"], "port"> & { port: string } }`,
        "export const check: true = null as unknown as Equals<Drifted, Core.Config>",
      ].join("\n"),
    )
    const result = typecheck([drifted])
    expect(result.code).not.toBe(0)
    expect(result.output).toContain("drifted.ts")
    expect(result.output).toContain("Type 'false' is not assignable to type 'true'")
  }, 60_000)
})
