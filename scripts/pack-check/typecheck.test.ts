import { expect, test } from "bun:test"
import type { Tarball } from "./tarball.ts"
import { everyExportSource, exportedSpecifiers, splitDiagnostics } from "./typecheck.ts"

test("splitDiagnostics keeps continuation lines and sets third-party declarations apart", () => {
  const output = [
    "types/contract.ts(3,7): error TS2322: Type 'number' is not assignable to type 'string'.",
    "node_modules/effect/dist/KeyFormat.d.ts(122,51): error TS2304: Cannot find name 'JsonWebKey'.",
    "node_modules/@tether/sdk/dist/index.d.ts(1,1): error TS2307: Cannot find module './x.js'.",
    "  The file is in the program because:",
    "    Imported via '@tether/sdk'",
    "",
  ].join("\n")
  expect(splitDiagnostics(output)).toEqual({
    ours: [
      "types/contract.ts(3,7): error TS2322: Type 'number' is not assignable to type 'string'.",
      "node_modules/@tether/sdk/dist/index.d.ts(1,1): error TS2307: Cannot find module './x.js'.\n" +
        "  The file is in the program because:\n    Imported via '@tether/sdk'",
    ],
    thirdParty: [
      "node_modules/effect/dist/KeyFormat.d.ts(122,51): error TS2304: Cannot find name 'JsonWebKey'.",
    ],
  })
})

test("exportedSpecifiers lists importable subpaths only", () => {
  const tarball = {
    name: "@tether/app",
    manifest: {
      name: "@tether/app",
      version: "1.0.0",
      exports: {
        ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./sse": { types: "./dist/sse.d.ts", default: "./dist/sse.js" },
        "./package.json": "./package.json",
        "./dist/*": "./dist/*",
      },
    },
  } as unknown as Tarball
  expect(exportedSpecifiers(tarball)).toEqual(["@tether/app", "@tether/app/sse"])
})

test("everyExportSource imports each specifier and uses it", () => {
  expect(everyExportSource(["@tether/core", "@tether/core/browser"])).toBe(
    'import * as m0 from "@tether/core"\nimport * as m1 from "@tether/core/browser"\n\n' +
      "export type Everything = [typeof m0, typeof m1]\n",
  )
})
