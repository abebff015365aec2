/**
 * `--config` naming a pipe (a FIFO, `/dev/stdin`): the config arrives in many small writes from
 * another process and is read whole; an endless pipe is cut off at the 1 MiB cap.
 */
import { afterEach, beforeEach, expect, test } from "bun:test"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigFileError, loadConfig } from "../src/index.ts"

let root: string
let fifo: string
let writer: Bun.Subprocess | undefined

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "tether-core-pipe-"))
  fifo = join(root, "tether.jsonc")
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0)
})

afterEach(async () => {
  writer?.kill()
  await writer?.exited
  writer = undefined
  await rm(root, { recursive: true, force: true })
})

/** A child that opens the FIFO and writes `text` `step` bytes at a time, pausing between writes. */
const writeSlowly = (text: string, step: number): Bun.Subprocess =>
  Bun.spawn(
    [
      process.execPath,
      "-e",
      `const fs = require("node:fs")
       const [path, data, step] = [process.argv[1], Buffer.from(process.argv[2], "base64"), Number(process.argv[3])]
       const fd = fs.openSync(path, "w")
       for (let i = 0; i < data.length; i += step) {
         fs.writeSync(fd, data.subarray(i, i + step))
         await Bun.sleep(1)
       }
       fs.closeSync(fd)`,
      fifo,
      Buffer.from(text).toString("base64"),
      String(step),
    ],
    { stdout: "ignore", stderr: "inherit" },
  )

test("a config written to a FIFO in small writes loads whole, a character split across writes included", async () => {
  // About 1 KiB; "é" and "✓" are 2 and 3 bytes, so 3-byte writes split them.
  const text = `// café ✓ ${"padding ".repeat(120)}\n{ "server": { "event_stream": { "heartbeat_ms": 1234 } } }\n`
  writer = writeSlowly(text, 3)
  const loaded = await loadConfig({ configPath: fifo, cwd: root, env: { HOME: root } })
  expect(loaded).toMatchObject({ path: fifo, source: "flag" })
  expect(loaded.config.server.event_stream.heartbeat_ms).toBe(1234)
  expect(await writer.exited).toBe(0)
}, 30_000)

test("a pipe that never ends is refused at the 1 MiB cap instead of filling memory", async () => {
  writer = Bun.spawn(
    [
      process.execPath,
      "-e",
      `const fs = require("node:fs")
       const fd = fs.openSync(process.argv[1], "w")
       const chunk = Buffer.alloc(4096, 0x20)
       try { for (;;) fs.writeSync(fd, chunk) } catch {}`,
      fifo,
    ],
    { stdout: "ignore", stderr: "ignore" },
  )
  const error = await loadConfig({ configPath: fifo, cwd: root, env: { HOME: root } }).catch(
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigFileError)
  expect((error as ConfigFileError).message).toBe(
    `Cannot read config file ${fifo} (given by --config): it is larger than 1 MiB, far more than any config`,
  )
}, 30_000)
