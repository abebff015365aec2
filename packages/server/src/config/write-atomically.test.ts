import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigFileError } from "@tether/core"
import { deviceNode } from "../../test/helpers/device-node.ts"
import { exchangePaths } from "./exchange.ts"
import { writeAtomically } from "./write-atomically.ts"

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tether-write-"))
  file = join(dir, "tether.jsonc")
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Temp files left in the directory (there must never be any). */
const leftovers = (): string[] => readdirSync(dir).filter((name) => name.endsWith(".tmp"))

const refusal = async (path: string): Promise<ConfigFileError> => {
  const error = await writeAtomically(path, "{}\n", null).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ConfigFileError)
  return error as ConfigFileError
}

/** An exchange that first lets `edit` run, as a hand edit landing after the last look would. */
const editThenExchange =
  (edit: () => void) =>
  (a: string, b: string): boolean => {
    edit()
    edit = () => {}
    return exchangePaths(a, b)
  }

const saveByRename = (text: string) => (): void => {
  writeFileSync(join(dir, "saved"), text)
  renameSync(join(dir, "saved"), file)
}

describe("writeAtomically", () => {
  test("the exchange works on Linux; elsewhere it answers false and changes nothing (the fallback below)", () => {
    writeFileSync(join(dir, "a"), "A")
    writeFileSync(join(dir, "b"), "B")
    const linux = process.platform === "linux"
    expect(exchangePaths(join(dir, "a"), join(dir, "b"))).toBe(linux)
    expect(readFileSync(join(dir, "a"), "utf8")).toBe(linux ? "B" : "A")
    expect(exchangePaths(join(dir, "a"), join(dir, "missing"))).toBe(false)
    expect(readFileSync(join(dir, "a"), "utf8")).toBe(linux ? "B" : "A")
  })

  test("replaces the content, keeps the mode; through a symlink, replaces the target and keeps the link", async () => {
    writeFileSync(file, "{}\n")
    chmodSync(file, 0o600)
    expect(await writeAtomically(file, '{ "server": {} }\n', "{}\n")).toBe(true)
    expect(readFileSync(file, "utf8")).toBe('{ "server": {} }\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    symlinkSync(file, join(dir, "link.jsonc"))
    expect(await writeAtomically(join(dir, "link.jsonc"), "{}\n", '{ "server": {} }\n')).toBe(true)
    expect(lstatSync(join(dir, "link.jsonc")).isSymbolicLink()).toBe(true)
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(leftovers()).toEqual([])
  })

  test("creates a file where none is; not over one created since", async () => {
    expect(await writeAtomically(file, "{}\n", null)).toBe(true)
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(await writeAtomically(file, "new\n", null)).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(leftovers()).toEqual([])
  })

  test("a file that no longer holds what was read: nothing replaced", async () => {
    writeFileSync(file, "{} // edited by hand\n")
    expect(await writeAtomically(file, "patched\n", "{}\n")).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{} // edited by hand\n")
    expect(leftovers()).toEqual([])
  })

  test("a save by rename after the last look: put back in place, nothing lost", async () => {
    writeFileSync(file, "{}\n")
    const exchange = editThenExchange(saveByRename("{} // saved by rename\n"))
    expect(await writeAtomically(file, "patched\n", "{}\n", { exchange })).toBe(false)
    expect(readFileSync(file, "utf8")).toBe("{} // saved by rename\n")
    expect(leftovers()).toEqual([])
  })

  test("a writer that has the file open (opened before the look): nothing replaced, its write lands", async () => {
    writeFileSync(file, "{} // first\n")
    const writer = openSync(file, "r+")
    try {
      // Before: swapped out at once, and the write below went into a file no name led to any more.
      expect(await writeAtomically(file, "patched\n", "{} // first\n")).toBe(false)
      writeSync(writer, "{} // other\n", 0)
    } finally {
      closeSync(writer)
    }
    expect(readFileSync(file, "utf8")).toBe("{} // other\n")
    expect(leftovers()).toEqual([])
  })

  test("a writer opening the file swapped out (it looked it up before the exchange): put back, then it writes", async () => {
    writeFileSync(file, "{} // first\n")
    let writer: ReturnType<typeof Bun.spawn> | undefined
    const exchange = (a: string, b: string): boolean => {
      const done = exchangePaths(a, b)
      // `a` names the file swapped out now: opening it is opening what the path led to before.
      writer ??= Bun.spawn(
        [process.execPath, "-e", `require("node:fs").writeFileSync(${JSON.stringify(a)}, "{} // other\\n")`],
        { stderr: "inherit" },
      )
      return done
    }
    // A long grace: the writer (a new process) takes a while to start; it is put back once it opens.
    const started = performance.now()
    expect(await writeAtomically(file, "patched\n", "{} // first\n", { exchange, graceMs: 10_000 })).toBe(
      false,
    )
    expect(performance.now() - started).toBeLessThan(9_000)
    expect(await writer?.exited).toBe(0)
    expect(readFileSync(file, "utf8")).toBe("{} // other\n")
    expect(leftovers()).toEqual([])
  })

  test("without leases, a write into the file swapped out within the grace: put back, nothing lost", async () => {
    writeFileSync(file, "{} // first\n")
    const writer = openSync(file, "r+")
    let late = false
    try {
      const exchange = (a: string, b: string): boolean => {
        const done = exchangePaths(a, b)
        if (!late) setTimeout(() => writeSync(writer, "{} // other\n", 0), 20)
        late = true
        return done
      }
      const options = { exchange, graceMs: 2_000, leases: false }
      expect(await writeAtomically(file, "patched\n", "{} // first\n", options)).toBe(false)
    } finally {
      closeSync(writer)
    }
    expect(readFileSync(file, "utf8")).toBe("{} // other\n")
    expect(leftovers()).toEqual([])
  })

  test("without an exchange (another OS), a plain rename after the last look", async () => {
    writeFileSync(file, "{}\n")
    expect(await writeAtomically(file, "patched\n", "{}\n", { exchange: () => false })).toBe(true)
    expect(readFileSync(file, "utf8")).toBe("patched\n")
    expect(leftovers()).toEqual([])
  })

  test("a write that fails (the disk full, a file size limit) throws and leaves no temp file", () => {
    writeFileSync(file, "{}\n")
    // A real failing write: under a 16 KiB file size limit, writing 64 KiB fails with EFBIG (Bun, as
    // Node, ignores the SIGXFSZ that would otherwise end the process).
    const script = `import { writeAtomically } from ${JSON.stringify(join(import.meta.dir, "write-atomically.ts"))}
await writeAtomically(${JSON.stringify(file)}, "x".repeat(64 * 1024), "{}\\n").then(
  () => console.log("written"),
  (error) => console.log(error.code),
)`
    const child = spawnSync(
      "sh",
      ["-c", 'ulimit -f 16 && exec "$0" --conditions=@tether/source -e "$1"', process.execPath, script],
      { encoding: "utf8", timeout: 30_000 },
    )
    expect({ stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({ stdout: "EFBIG", stderr: "" })
    expect(readFileSync(file, "utf8")).toBe("{}\n")
    expect(leftovers()).toEqual([])
  })

  test("a symlink to a FIFO or a device, or a FIFO itself: refused, named, left as it was", async () => {
    const fifo = join(dir, "pipe")
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0)
    expect((await refusal(fifo)).message).toBe(
      `Cannot write config file ${fifo}: only a regular file is ever replaced`,
    )
    symlinkSync(fifo, file)
    expect((await refusal(file)).message).toBe(
      `Cannot write config file ${file} (a symbolic link to ${fifo}): only a regular file is ever replaced`,
    )
    expect(statSync(fifo).isFIFO()).toBe(true)
    const device = deviceNode(dir)
    symlinkSync(device, join(dir, "device.jsonc"))
    await refusal(join(dir, "device.jsonc"))
    expect(statSync(device).isCharacterDevice()).toBe(true)
    expect(leftovers()).toEqual([])
  })

  test("a FIFO renamed in place after the last look: put back, never replaced", async () => {
    writeFileSync(file, "{}\n")
    const exchange = editThenExchange(() => {
      expect(spawnSync("mkfifo", [join(dir, "pipe")]).status).toBe(0)
      renameSync(join(dir, "pipe"), file)
    })
    expect(await writeAtomically(file, "patched\n", "{}\n", { exchange })).toBe(false)
    expect(statSync(file).isFIFO()).toBe(true)
    expect(leftovers()).toEqual([])
  })
})
