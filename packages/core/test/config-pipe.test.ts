/**
 * A config comes from a regular file only. A FIFO named by `--config` (or found by lookup) is refused
 * at once, without being opened: opening a FIFO waits for a writer, which hung the start, and for the
 * server every PATCH and its shutdown. `--config /dev/stdin` with stdin redirected from a file is that
 * file, and loads; with stdin a pipe it is refused the same way.
 */
import { afterEach, beforeEach, expect, test } from "bun:test"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
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

const CONFIG = '{ "server": { "event_stream": { "heartbeat_ms": 1234 } } }\n'

/** Fails (instead of hanging the suite) when `promise` takes longer than `ms`. */
const within = <A>(ms: number, promise: Promise<A>): Promise<A> =>
  Promise.race([
    promise,
    Bun.sleep(ms).then(() => {
      throw new Error(`no answer within ${ms} ms`)
    }),
  ])

test("a FIFO named by --config is refused at once, naming it, with a writer waiting or not", async () => {
  const expected = `Cannot read config file ${fifo} (given by --config): it is a FIFO (named pipe); a config file must be a regular file`
  const alone = await within(2000, loadConfig({ configPath: fifo, cwd: root, env: { HOME: root } })).catch(
    (e: unknown) => e,
  )
  expect(alone).toBeInstanceOf(ConfigFileError)
  expect((alone as ConfigFileError).message).toBe(expected)

  // A writer blocked in its open of the FIFO, ready to send a valid config: still refused.
  writer = Bun.spawn(
    [
      process.execPath,
      "-e",
      `require("node:fs").writeFileSync(process.argv[1], process.argv[2])`,
      fifo,
      CONFIG,
    ],
    { stdout: "ignore", stderr: "ignore" },
  )
  await Bun.sleep(200)
  const withWriter = await within(
    2000,
    loadConfig({ configPath: fifo, cwd: root, env: { HOME: root } }),
  ).catch((e: unknown) => e)
  expect((withWriter as ConfigFileError).message).toBe(expected)
}, 30_000)

/** A child running `loadConfig({ configPath: "/dev/stdin" })`, printing the heartbeat or the error. */
const LOAD_FROM_STDIN = [
  process.execPath,
  "-e",
  `import { loadConfig } from ${JSON.stringify(join(import.meta.dir, "..", "src", "index.ts"))}
   loadConfig({ configPath: "/dev/stdin" }).then(
     (loaded) => console.log("heartbeat", loaded.config.server.event_stream.heartbeat_ms),
     (error) => console.log(error.message),
   )`,
]

/** What the child printed, within 10 s (a child waiting on its stdin fails the test). */
const outcome = async (child: { stdout: ReadableStream<Uint8Array>; kill(): void }): Promise<string> => {
  const out = await within(10_000, new Response(child.stdout).text())
  child.kill()
  return out.trim()
}

test("--config /dev/stdin: a file redirected to stdin loads; a pipe on stdin is refused, not waited on", async () => {
  const file = join(root, "stdin.jsonc")
  await writeFile(file, CONFIG)
  const options = {
    stdout: "pipe",
    stderr: "inherit",
    cwd: root,
    env: { ...process.env, HOME: root },
  } as const
  const redirected = Bun.spawn(LOAD_FROM_STDIN, { ...options, stdin: Bun.file(file) })
  writer = redirected
  expect(await outcome(redirected)).toBe("heartbeat 1234")
  const piped = Bun.spawn(LOAD_FROM_STDIN, { ...options, stdin: "pipe" })
  writer = piped
  // Bun makes this pipe a socket pair: refused as a socket, as a shell's pipe is as a FIFO. A config
  // is sent down it, which stays open: the child must not wait for its end.
  piped.stdin.write(CONFIG)
  piped.stdin.flush()
  expect(await outcome(piped)).toMatch(
    /^Cannot read config file \/dev\/stdin \(given by --config\): it is a symbolic link to \S+, (a FIFO \(named pipe\)|a socket); a config file must be a regular file$/,
  )
}, 30_000)
