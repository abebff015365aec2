import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { run } from "./pack-check/run.ts"
import { ROOT } from "./pack-check/workspace.ts"
import { publishRegistry } from "./release-registry.ts"

const scratch = mkdtempSync(join(tmpdir(), "tether-release-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// npm's configuration for these tests only: no user or global .npmrc of the machine, no registry variable.
const isolated = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({
  ...process.env,
  NPM_CONFIG_REGISTRY: undefined,
  npm_config_registry: undefined,
  NPM_CONFIG_USERCONFIG: join(scratch, "no-user-npmrc"),
  NPM_CONFIG_GLOBALCONFIG: join(scratch, "no-global-npmrc"),
  ...extra,
})

/** A package folder with its own package.json and, if given, an .npmrc. */
const packageDir = (name: string, npmrc?: string, publishConfig: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(scratch, "pkg-"))
  const manifest = { name, version: "1.0.0", publishConfig }
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest))
  if (npmrc !== undefined) writeFileSync(join(dir, ".npmrc"), npmrc)
  return { name, dir, relativeDir: "packages/x", manifest }
}

/** A loopback port that nothing listens on: bound by the OS, then released. */
const closedPort = () => {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}

describe("publishRegistry reads the registry as npm publish does", () => {
  test("npm's default", async () => {
    expect(await publishRegistry(packageDir("@tether/sdk"), isolated())).toEqual({
      url: "https://registry.npmjs.org/",
      source: "npm config registry (an .npmrc file or npm's default)",
    })
  })

  test("NPM_CONFIG_REGISTRY, as a rehearsal against a local registry sets it", async () => {
    const env = isolated({ NPM_CONFIG_REGISTRY: "http://127.0.0.1:4873/" })
    expect(
      await publishRegistry(packageDir("@tether/sdk", "registry=http://127.0.0.1:1111/\n"), env),
    ).toEqual({
      url: "http://127.0.0.1:4873/",
      source: "NPM_CONFIG_REGISTRY",
    })
  })

  test("an .npmrc, and its scope setting before its registry", async () => {
    const plain = packageDir("@tether/sdk", "registry=http://127.0.0.1:1111/\n")
    expect((await publishRegistry(plain, isolated())).url).toBe("http://127.0.0.1:1111/")
    const scoped = packageDir(
      "@tether/sdk",
      "registry=http://127.0.0.1:1111/\n@tether:registry=http://127.0.0.1:2222/\n",
    )
    expect(await publishRegistry(scoped, isolated())).toEqual({
      url: "http://127.0.0.1:2222/",
      source: "npm config @tether:registry",
    })
  })

  test("publishConfig wins over npm's configuration", async () => {
    const pkg = packageDir("@tether/sdk", undefined, { registry: "http://127.0.0.1:3333/" })
    expect(await publishRegistry(pkg, isolated({ NPM_CONFIG_REGISTRY: "http://127.0.0.1:4873/" }))).toEqual({
      url: "http://127.0.0.1:3333/",
      source: 'publishConfig["registry"] in packages/x/package.json',
    })
  })
})

test("bun run release names its registry first, and stops before building when that registry is down", async () => {
  const registry = `http://127.0.0.1:${closedPort()}/`
  const { code, stdout, stderr } = await run(
    [process.execPath, join(ROOT, "scripts/release.ts"), "--dry-run"],
    {
      cwd: ROOT,
      env: isolated({ NPM_CONFIG_REGISTRY: registry }),
      timeoutMs: 120_000,
    },
  )
  expect({ code, firstLine: stdout.split("\n")[0] }).toEqual({
    code: 1,
    firstLine: `would publish to ${registry} (NPM_CONFIG_REGISTRY)`,
  })
  expect(stdout).not.toContain("building")
  expect(stderr).toContain(`the registry ${registry} does not answer \`npm ping\``)
  expect(stderr).toContain("ECONNREFUSED")
}, 120_000)
