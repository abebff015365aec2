import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigFileError } from "./errors.ts"
import { MAX_CONFIG_BYTES, readConfigBytes, readConfigText } from "./read-file.ts"

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tether-core-read-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const refusal = async (path: string, origin?: string): Promise<ConfigFileError> => {
  const error = await readConfigBytes(path, origin).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigFileError)
  return error as ConfigFileError
}

/** Fails (instead of hanging the suite) when `promise` takes longer than `ms`. */
const within = <A>(ms: number, promise: Promise<A>): Promise<A> =>
  Promise.race([
    promise,
    Bun.sleep(ms).then(() => {
      throw new Error(`no answer within ${ms} ms`)
    }),
  ])

const mkfifo = (path: string): void => {
  expect(spawnSync("mkfifo", [path]).status).toBe(0)
}

describe("readConfigBytes", () => {
  test("a regular file, directly or through a symbolic link, is read whole", async () => {
    const file = join(dir, "tether.jsonc")
    await writeFile(file, '{ "server": {} }')
    await symlink(file, join(dir, "link.jsonc"))
    expect(await readConfigText(file)).toBe('{ "server": {} }')
    expect(await readConfigText(join(dir, "link.jsonc"))).toBe('{ "server": {} }')
  })

  test("a FIFO is refused at once, naming it, and never opened (an open would wait for a writer)", async () => {
    const fifo = join(dir, "tether.jsonc")
    mkfifo(fifo)
    const error = await within(2000, refusal(fifo, "found by lookup"))
    expect(error.message).toBe(
      `Cannot read config file ${fifo} (found by lookup): it is a FIFO (named pipe); a config file must be a regular file`,
    )
    expect(error.file).toBe(fifo)
    expect(error.missing).toBe(false)
  })

  test("a symbolic link to a device or a FIFO names the link, its target and what the target is", async () => {
    await symlink("/dev/zero", join(dir, "zero.jsonc"))
    expect((await within(2000, refusal(join(dir, "zero.jsonc")))).message).toBe(
      `Cannot read config file ${join(dir, "zero.jsonc")}: it is a symbolic link to /dev/zero, a character device; a config file must be a regular file`,
    )
    mkfifo(join(dir, "pipe"))
    await symlink(join(dir, "pipe"), join(dir, "pipe.jsonc"))
    expect((await within(2000, refusal(join(dir, "pipe.jsonc")))).message).toContain(
      `it is a symbolic link to ${join(dir, "pipe")}, a FIFO (named pipe)`,
    )
  })

  test("a directory and a socket are refused as what they are", async () => {
    await mkdir(join(dir, "tether.jsonc"))
    expect((await refusal(join(dir, "tether.jsonc"))).message).toContain(
      "it is a directory; a config file must be a regular file",
    )
    const socket = join(dir, "tether.sock")
    const server = Bun.listen({ unix: socket, socket: { data() {} } })
    try {
      expect((await refusal(socket)).message).toContain("it is a socket;")
    } finally {
      server.stop(true)
    }
  })

  test("missing: `missing` is set; a dangling symbolic link is not missing, it names its target", async () => {
    const missing = await refusal(join(dir, "nothing.jsonc"), "given by --config")
    expect(missing.missing).toBe(true)
    expect(missing.message).toBe(
      `Cannot read config file ${join(dir, "nothing.jsonc")} (given by --config): no such file`,
    )
    await symlink(join(dir, "gone.jsonc"), join(dir, "dangling.jsonc"))
    const dangling = await refusal(join(dir, "dangling.jsonc"))
    expect(dangling.missing).toBe(false)
    expect(dangling.message).toContain(
      `it is a symbolic link to ${join(dir, "gone.jsonc")}, which does not exist`,
    )
  })

  test("a file over the cap is refused; exactly the cap is read", async () => {
    const file = join(dir, "tether.jsonc")
    await writeFile(file, Buffer.alloc(MAX_CONFIG_BYTES, 0x20))
    expect((await readConfigBytes(file)).byteLength).toBe(MAX_CONFIG_BYTES)
    await writeFile(file, Buffer.alloc(MAX_CONFIG_BYTES + 1, 0x20))
    expect((await refusal(file)).message).toContain("it is larger than 1 MiB")
  })
})
