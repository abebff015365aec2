import { afterAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { exportTargets, type InspectContext, inspectTarball, misorderedTypes } from "./inspect.ts"
import { packPackage, type Tarball } from "./tarball.ts"
import { type Manifest, publicPackages, sortByDependencies } from "./workspace.ts"

const GOOD_MANIFEST: Manifest = {
  name: "@tether/demo",
  version: "1.2.3",
  license: "MIT",
  homepage: "https://example.test/tether",
  keywords: ["sse"],
  repository: { type: "git", url: "git+https://example.test/tether.git", directory: "packages/demo" },
  publishConfig: { access: "public" },
  type: "module",
  exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
  dependencies: { "@tether/core": "1.2.3", zod: "4.6.7" },
}

const GOOD_FILES: Record<string, string> = {
  "package.json": "",
  "README.md": "# demo",
  LICENSE: "MIT",
  "dist/index.js":
    'export * from "./lib.js"\nimport "zod"\nimport { x } from "@tether/core"\nimport "node:fs"\n',
  "dist/index.d.ts": 'export * from "./lib.ts"\nimport type { Config } from "@tether/core"\n',
  "dist/lib.js": "export const lib = 1\n",
  "dist/lib.d.ts": "export declare const lib: number\n",
}

const CONTEXT: InspectContext = {
  relativeDir: "packages/demo",
  versions: new Map([
    ["@tether/demo", "1.2.3"],
    ["@tether/core", "1.2.3"],
  ]),
}

function fakeTarball(manifest: Manifest, files: Record<string, string>): Tarball {
  const contents = new Map(Object.entries({ ...files, "package.json": JSON.stringify(manifest) }))
  return {
    name: manifest.name,
    version: manifest.version,
    path: "/nowhere.tgz",
    files: [...contents.keys()].sort(),
    manifest,
    read: async (path) => contents.get(path),
    integrity: "sha256-",
    bytes: 0,
  }
}

async function inspect(
  manifest: Partial<Manifest>,
  files: Record<string, string | undefined> = {},
  context = CONTEXT,
) {
  const merged = Object.fromEntries(
    Object.entries({ ...GOOD_FILES, ...files }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  )
  return inspectTarball(fakeTarball({ ...GOOD_MANIFEST, ...manifest }, merged), context)
}

describe("inspectTarball", () => {
  test("a well-formed package passes with no warnings", async () => {
    expect(await inspect({})).toEqual({ errors: [], warnings: [] })
  })

  test("missing README, LICENSE and dist", async () => {
    const { errors } = await inspect(
      { exports: undefined },
      {
        "README.md": undefined,
        LICENSE: undefined,
        "dist/index.js": undefined,
        "dist/index.d.ts": undefined,
        "dist/lib.js": undefined,
        "dist/lib.d.ts": undefined,
      },
    )
    expect(errors).toEqual([
      "missing README.md",
      "missing LICENSE",
      "missing dist/ (was the package built?)",
      'no "exports" map',
    ])
  })

  test("files outside dist and tests inside it", async () => {
    const { errors } = await inspect(
      {},
      { "src/index.ts": "", "tsconfig.json": "{}", "dist/lib.test.js": "" },
    )
    expect(errors).toEqual([
      "ships files outside dist/, README.md, LICENSE: src/index.ts, tsconfig.json",
      "ships tests or build leftovers in dist/: dist/lib.test.js",
    ])
  })

  test("fault-injection code: a fault module, or a file that reads TETHER_TEST_FAULT", async () => {
    const { errors } = await inspect(
      {},
      {
        "dist/fault/switch.js": "export const on = false\n",
        "dist/faults.d.ts": "export {}\n",
        "dist/lib.js": "export const lib = process.env.TETHER_TEST_FAULT\n",
      },
    )
    expect(errors).toEqual([
      "ships fault-injection modules: dist/fault/switch.js, dist/faults.d.ts",
      "ships code that reads TETHER_TEST_FAULT: dist/lib.js",
    ])
    // A word that merely contains "fault" is no fault module.
    expect((await inspect({}, { "dist/default-config.js": "export {}\n" })).errors).toEqual([])
  })

  test("declared extra files are allowed, and required", async () => {
    const context = { ...CONTEXT, expectations: { extraFiles: ["schema/tether.schema.json"] } }
    expect((await inspect({}, { "schema/tether.schema.json": "{}" }, context)).errors).toEqual([])
    expect((await inspect({}, {}, context)).errors).toEqual(["missing schema/tether.schema.json"])
  })

  test("a leaked workspace range and a sibling at another version", async () => {
    const { errors } = await inspect({
      dependencies: { "@tether/core": "workspace:*", zod: "4.6.7" },
      peerDependencies: { "@tether/sdk": "catalog:" },
      devDependencies: { "@tether/core": "workspace:^" },
    })
    expect(errors).toEqual([
      'dependencies.@tether/core is "workspace:*": a workspace-only range leaked into the tarball',
      'devDependencies.@tether/core is "workspace:^": a workspace-only range leaked into the tarball',
      'peerDependencies.@tether/sdk is "catalog:": a workspace-only range leaked into the tarball',
    ])
    const stale = await inspect({ dependencies: { "@tether/core": "^1.0.0", zod: "4.6.7" } })
    expect(stale.errors).toEqual([
      'dependencies.@tether/core is "^1.0.0", expected the released sibling\'s "1.2.3"',
    ])
  })

  test("publishing metadata", async () => {
    const { errors, warnings } = await inspect({
      license: "ISC",
      repository: { type: "git", url: "git+https://example.test/tether.git", directory: "packages/other" },
      publishConfig: {},
      homepage: undefined,
      keywords: [],
      private: true,
    })
    expect(errors).toEqual([
      '"private": true (npm refuses to publish it)',
      '"license" is "ISC", expected "MIT"',
      '"repository.directory" is "packages/other", expected "packages/demo"',
      '"publishConfig.access" is not "public" (a scoped package would publish as restricted)',
    ])
    expect(warnings).toEqual(['no "homepage"', 'no "keywords"'])
  })

  test("export targets must exist and have types first", async () => {
    const { errors } = await inspect({
      exports: {
        ".": { "@tether/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./sse": { default: "./dist/sse.js", types: "./dist/sse.d.ts" },
        "./package.json": "./package.json",
      },
    })
    expect(errors).toEqual([
      'exports["."] (@tether/source) points at ./src/index.ts, which is not in the tarball',
      'exports["./sse"] (default) points at ./dist/sse.js, which is not in the tarball',
      'exports["./sse"] (types) points at ./dist/sse.d.ts, which is not in the tarball',
      'exports["./sse"]: "types" must come before "default"',
    ])
  })

  test("a JavaScript subpath without types", async () => {
    const { errors } = await inspect({
      exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./lib": "./dist/lib.js" },
    })
    expect(errors).toEqual(['exports["./lib"] has no "types" condition'])
  })

  test("imports that do not resolve, or are not declared", async () => {
    const { errors } = await inspect(
      {},
      {
        "dist/index.js":
          'import "./lib.ts"\nimport "./lib"\nimport "./gone.js"\nimport "effect"\nimport "bun:sqlite"\n',
        "dist/index.d.ts":
          'export * from "./missing.ts"\nexport * from "./lib"\nimport type { X } from "solid-js"\n',
      },
    )
    expect(errors).toEqual([
      'imports "solid-js", which is not in dependencies or peerDependencies (in dist/index.d.ts)',
      'imports "effect", which is not in dependencies or peerDependencies (in dist/index.js)',
      "imports files missing from the tarball: dist/index.d.ts → ./missing.ts (no declaration file for it), " +
        "dist/index.d.ts → ./lib (extensionless: fails for consumers on moduleResolution node16/nodenext), " +
        "dist/index.js → ./lib.ts (a TypeScript source extension the build did not rewrite), " +
        "dist/index.js → ./lib (Node's ESM loader needs the full file name), dist/index.js → ./gone.js",
    ])
  })

  test("the SDK may not have runtime dependencies", async () => {
    const context = { ...CONTEXT, expectations: { noRuntimeDependencies: true } }
    const { errors } = await inspect({}, {}, context)
    expect(errors).toEqual(["must have no runtime dependency, has dependencies: @tether/core, zod"])
  })

  test("bins must exist and start with a shebang", async () => {
    const context = { ...CONTEXT, expectations: { bins: ["tether", "other"] } }
    const { errors } = await inspect(
      { bin: { tether: "./dist/bin.js" } },
      { "dist/bin.js": "console.log(1)\n" },
      context,
    )
    expect(errors).toEqual([
      'has no "other" bin',
      'bin "tether" (./dist/bin.js) has no shebang line, so it cannot run as a command',
    ])
  })

  test("install scripts are refused, unshipped map sources too; Bun types are warned about", async () => {
    const { errors, warnings } = await inspect(
      { scripts: { postinstall: "node setup.js", build: "tsc" } },
      {
        "dist/index.d.ts": '/// <reference types="bun" />\nexport * from "./lib.ts"\n',
        "dist/index.js.map": JSON.stringify({ version: 3, sources: ["../src/index.ts"], mappings: "" }),
      },
    )
    expect(errors).toEqual([
      'has a "postinstall" script, which would run on every user\'s install',
      "1 source maps point at 1 sources that are not shipped (e.g. src/index.ts): drop the maps from the build",
    ])
    expect(warnings).toEqual(["its types refer to Bun's (consumers need @types/bun): dist/index.d.ts"])
  })

  test("a map's inlined sources still name files that are not shipped; a declared @types/bun peer is fine", async () => {
    const { errors, warnings } = await inspect(
      {
        peerDependencies: { "@types/bun": ">=1.4.0" },
        peerDependenciesMeta: { "@types/bun": { optional: true } },
      },
      {
        "dist/index.d.ts":
          'import type { Server } from "bun"\nexport declare const server: Server<undefined>\n',
        "dist/index.js.map": JSON.stringify({
          version: 3,
          sources: ["../src/index.ts", "../src/lib.ts"],
          sourcesContent: ["export const a = 1\n", null],
          mappings: "",
        }),
      },
    )
    expect(errors).toEqual([
      "1 source maps point at 2 sources that are not shipped (e.g. src/index.ts): drop the maps from the build",
    ])
    expect(warnings).toEqual([])
  })

  test("a sourceMappingURL comment must name a shipped map; an inline data: map is fine", async () => {
    const { errors } = await inspect(
      {},
      {
        "dist/index.js": 'export * from "./lib.js"\n//# sourceMappingURL=index.js.map\n',
        "dist/lib.js": "export const lib = 1\n//# sourceMappingURL=data:application/json;base64,e30=\n",
      },
    )
    expect(errors).toEqual([
      "dist/index.js names its source map dist/index.js.map, which is not in the tarball",
    ])
  })
})

test("exportTargets lists every condition, the workspace source one too", () => {
  expect(
    exportTargets({
      ".": { "@tether/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./app/*": "./dist/app/*",
    }),
  ).toEqual([
    { subpath: ".", conditions: ["@tether/source"], target: "./src/index.ts" },
    { subpath: ".", conditions: ["types"], target: "./dist/index.d.ts" },
    { subpath: ".", conditions: ["default"], target: "./dist/index.js" },
    { subpath: "./app/*", conditions: [], target: "./dist/app/*" },
  ])
  expect(misorderedTypes({ import: "./a.js", types: "./a.d.ts" })).toEqual([
    'exports["."]: "types" must come before "import"',
  ])
})

test("sortByDependencies puts dependencies first and refuses cycles", () => {
  const pkg = (name: string, dependencies: Record<string, string> = {}) => ({
    name,
    manifest: { name, version: "1.0.0", dependencies },
  })
  const sorted = sortByDependencies([
    pkg("@tether/server", { "@tether/core": "workspace:*", "@tether/app": "workspace:*" }),
    pkg("@tether/app", { "@tether/sdk": "workspace:*" }),
    pkg("@tether/sdk"),
    pkg("@tether/core"),
  ])
  expect(sorted.map((entry) => entry.name)).toEqual([
    "@tether/sdk",
    "@tether/app",
    "@tether/core",
    "@tether/server",
  ])
  expect(() => sortByDependencies([pkg("a", { b: "1" }), pkg("b", { a: "1" })])).toThrow(
    "dependency cycle: a -> b -> a",
  )
})

describe("bun pm pack, on a throwaway workspace", () => {
  const root = mkdtempSync(join(tmpdir(), "tether-pack-test-"))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  test("rewrites workspace:* to the sibling's version, and the tarball reads back", async () => {
    const write = (path: string, text: string) => Bun.write(join(root, path), text)
    await write("package.json", JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }))
    for (const [name, deps] of [
      ["a", { "@demo/b": "workspace:*" }],
      ["b", {}],
    ] as const) {
      mkdirSync(join(root, "packages", name, "dist"), { recursive: true })
      const exports = {
        ".": { "@tether/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
      }
      await write(
        `packages/${name}/package.json`,
        JSON.stringify({
          name: `@demo/${name}`,
          version: "3.4.5",
          files: ["dist"],
          exports,
          dependencies: deps,
        }),
      )
      await write(`packages/${name}/dist/index.js`, "export {}\n")
      await write(`packages/${name}/README.md`, "# demo\n")
    }
    const packages = await publicPackages(root)
    expect(packages.map((pkg) => pkg.name)).toEqual(["@demo/b", "@demo/a"])
    const a = packages[1]
    if (!a) throw new Error("no package a")
    const before = await Bun.file(join(a.dir, "package.json")).text()
    const tarball = await packPackage(a, root)
    expect(tarball.manifest.dependencies).toEqual({ "@demo/b": "3.4.5" })
    // The workspace-only condition is not published, and the package.json on disk keeps it.
    expect(tarball.manifest.exports).toEqual({
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
    })
    expect(await Bun.file(join(a.dir, "package.json")).text()).toBe(before)
    expect(tarball.files).toEqual(["README.md", "dist/index.js", "package.json"])
    expect(await tarball.read("dist/index.js")).toBe("export {}\n")
    expect(tarball.integrity).toMatch(/^sha256-[A-Za-z0-9+/]+=*$/)
  })
})
