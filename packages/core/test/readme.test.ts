import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { configJsonSchema } from "../src/config/json-schema.ts"

interface Leaf {
  readonly key: string
  readonly schema: Record<string, unknown>
}

/** Every key a config file can set, from the generated JSON Schema (objects are walked, not listed). */
const leaves = (node: Record<string, unknown>, prefix: string[] = []): Leaf[] =>
  Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(
    ([key, child]) =>
      child.type === "object"
        ? leaves(child, [...prefix, key])
        : [{ key: [...prefix, key].join("."), schema: child }],
  )

const readmeRows = (): Map<string, string[]> => {
  const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8")
  const rows = new Map<string, string[]>()
  for (const line of readme.split("\n")) {
    const cells = /^\|\s*`([^`]+)`\s*\|(.*)\|$/.exec(line)
    if (cells?.[1] !== undefined && cells[2] !== undefined) {
      rows.set(
        cells[1],
        cells[2].split("|").map((c) => c.trim()),
      )
    }
  }
  return rows
}

test("the README config reference lists every key with the schema's range and default", () => {
  const rows = readmeRows()
  const keys = leaves(configJsonSchema())
  expect([...rows.keys()].sort()).toEqual(keys.map((leaf) => leaf.key).sort())
  for (const { key, schema } of keys) {
    const [type, range, defaultCell] = rows.get(key) ?? []
    if (schema.type === "integer") {
      expect({ key, type, range }).toEqual({
        key,
        type: "integer",
        range: `${schema.minimum} to ${schema.maximum}`,
      })
    }
    const expectedDefault = "default" in schema ? `\`${JSON.stringify(schema.default)}\`` : "none"
    expect({ key, default: defaultCell?.split(" ")[0] }).toEqual({ key, default: expectedDefault })
  }
})
