import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigFileError } from "@tether/core"
import { deviceNode } from "../../test/helpers/device-node.ts"
import { writeAtomically } from "./write-atomically.ts"

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-write-"))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Temp files left in the directory (there must never be any). */
const leftovers = (): string[] => readdirSync(dir).filter((name) => name.endsWith(".tmp"))

const refusal = async (file: string): Promise<ConfigFileError> => {
  const error = await writeAtomically(file, "{}\n").catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ConfigFileError)
  return error as ConfigFileError
}

describe("writeAtomically", () => {
  test("replaces the content, keeps the mode; through a symlink, replaces the target and keeps the link", async () => {
    const file = join(dir, "tether.jsonc")
    writeFileSync(file, "{}\n")
    chmodSync(file, 0o600)
    expect(await writeAtomically(file, '{ "server": {} }\n')).toBe(true)
    expect(readFileSync(file, "utf8")).toBe('{ "server": {} }\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    symlinkSync(file, join(dir, "link.jsonc"))
    expect(await writeAtomically(join(dir, "link.jsonc"), "{}\n")).toBe(true)
    expect(lstatSync(join(dir, "link.jsonc")).isSymbolicLink()).toBe(true)
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(leftovers()).toEqual([])
  })

  test("`unchanged` answering false: nothing replaced, no temp file left", async () => {
    const file = join(dir, "tether.jsonc")
    writeFileSync(file, "{}\n")
    expect(await writeAtomically(file, "new\n", async () => false)).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(leftovers()).toEqual([])
  })

  test("a save by rename or an in-place write while `unchanged` looks: seen, nothing replaced", async () => {
    const file = join(dir, "tether.jsonc")
    writeFileSync(file, "{}\n")
    const renamed = await writeAtomically(file, "patched\n", async () => {
      writeFileSync(join(dir, "saved"), "{} // saved by rename\n")
      renameSync(join(dir, "saved"), file)
      return true
    })
    expect(renamed).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{} // saved by rename\n")
    const inPlace = await writeAtomically(file, "patched\n", async () => {
      writeFileSync(file, "{} // written in place, longer\n")
      return true
    })
    expect(inPlace).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{} // written in place, longer\n")
    expect(leftovers()).toEqual([])
  })

  test("a symlink to a FIFO or a device, or a FIFO itself: refused, named, left as it was", async () => {
    const fifo = join(dir, "pipe")
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0)
    expect((await refusal(fifo)).message).toBe(
      `Cannot write config file ${fifo}: only a regular file is ever replaced`,
    )
    symlinkSync(fifo, join(dir, "tether.jsonc"))
    expect((await refusal(join(dir, "tether.jsonc"))).message).toBe(
      `Cannot write config file ${join(dir, "tether.jsonc")} (a symbolic link to ${fifo}): only a regular file is ever replaced`,
    )
    expect(statSync(fifo).isFIFO()).toBe(true)
    const device = deviceNode(dir)
    symlinkSync(device, join(dir, "device.jsonc"))
    await refusal(join(dir, "device.jsonc"))
    expect(statSync(device).isCharacterDevice()).toBe(true)
    expect(leftovers()).toEqual([])
  })

  test("a regular file swapped for a FIFO while `unchanged` looks: refused, the FIFO stays", async () => {
    const file = join(dir, "tether.jsonc")
    writeFileSync(file, "{}\n")
    const error = await writeAtomically(file, "patched\n", async () => {
      expect(spawnSync("mkfifo", [join(dir, "pipe")]).status).toBe(0)
      renameSync(join(dir, "pipe"), file)
      return true
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigFileError)
    expect(statSync(file).isFIFO()).toBe(true)
    expect(leftovers()).toEqual([])
  })
})
