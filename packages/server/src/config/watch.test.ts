import { afterEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Config, ConfigInvalid, defaultConfig } from "@tether/core"
import { ConfigConflict, ConfigFileConflict } from "./conflicts.ts"
import { type ConfigFile, makeConfigFile } from "./watch.ts"

const dirs: string[] = []
const files: ConfigFile[] = []
afterEach(async () => {
  for (const file of files.splice(0)) await file.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const leaves = (value: unknown, prefix = ""): Map<string, string> => {
  const out = new Map<string, string>()
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      for (const [path, leaf] of leaves(inner, prefix === "" ? key : `${prefix}.${key}`)) out.set(path, leaf)
    }
  } else out.set(prefix, JSON.stringify(value))
  return out
}

const setup = (
  opts: {
    text?: string
    initial?: Config
    path?: "none"
    env?: Record<string, string>
    settleMs?: number
  } = {},
) => {
  const dir = mkdtempSync(join(tmpdir(), "tether-watch-"))
  dirs.push(dir)
  const path = join(dir, "tether.jsonc")
  if (opts.text !== undefined) writeFileSync(path, opts.text)
  let config = opts.initial ?? defaultConfig()
  const published: { type: string; properties: Record<string, unknown> }[] = []
  const logs: string[] = []
  const file = makeConfigFile({
    live: {
      current: () => config,
      set: async (next) => {
        const before = leaves(config)
        const after = leaves(next)
        config = next
        return [...after.keys()].filter((key) => before.get(key) !== after.get(key))
      },
    },
    publish: async (event) => {
      published.push(event)
    },
    path: opts.path === "none" ? null : path,
    env: { XDG_CONFIG_HOME: join(dir, "xdg"), HOME: dir, ...opts.env },
    log: (line) => logs.push(line),
    debounceMs: 50,
    settleMs: opts.settleMs ?? 300,
  })
  files.push(file)
  return { dir, path, file, published, logs, config: () => config }
}

const until = async (what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(20)
  }
}

const HAND_WRITTEN = `{
  // beat fast while developing
  "server": {
    "event_stream": { "heartbeat_ms": 5000 }, // trailing comment
  },
}
`

describe("patch", () => {
  test("merges, writes the file keeping comments, applies live, announces config.updated", async () => {
    const s = setup({ text: HAND_WRITTEN })
    const config = await s.file.patch({
      server: { event_stream: { heartbeat_ms: 1000 }, cors: ["http://a.test"] },
    })
    expect(config.server.event_stream.heartbeat_ms).toBe(1000)
    expect(s.config().server.cors).toEqual(["http://a.test"])
    const text = readFileSync(s.path, "utf8")
    expect(text).toContain("// beat fast while developing")
    expect(text).toContain("// trailing comment")
    expect(text).toContain('"heartbeat_ms": 1000')
    expect(s.published).toHaveLength(1)
    expect(s.published[0]?.type).toBe("config.updated")
    expect(s.published[0]?.properties.changed).toEqual(["server.cors", "server.event_stream.heartbeat_ms"])
  })

  test("an invalid result → ConfigInvalid with issues; the file is untouched and nothing applied", async () => {
    const s = setup({ text: HAND_WRITTEN })
    const before = statSync(s.path)
    const error = await s.file
      .patch({ server: { event_stream: { heartbeat_ms: 500 } } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigInvalid)
    expect((error as ConfigInvalid).issues[0]?.path).toBe("server.event_stream.heartbeat_ms")
    const unknownKey = await s.file.patch({ server: { colour: "red" } }).catch((e: unknown) => e)
    expect(unknownKey).toBeInstanceOf(ConfigInvalid)
    expect(readFileSync(s.path, "utf8")).toBe(HAND_WRITTEN)
    expect(statSync(s.path).mtimeMs).toBe(before.mtimeMs)
    expect(s.config()).toEqual(defaultConfig())
    expect(s.published).toHaveLength(0)
  })

  test("no file in use: tether.jsonc is created in the XDG config dir and then watched", async () => {
    const s = setup({ path: "none" })
    await s.file.patch({ server: { event_stream: { heartbeat_ms: 2000 } } })
    const created = join(s.dir, "xdg", "tether", "tether.jsonc")
    expect(s.file.path()).toBe(created)
    expect(readFileSync(created, "utf8")).toContain('"heartbeat_ms": 2000')
    await s.file.start()
    writeFileSync(created, '{ "server": { "event_stream": { "heartbeat_ms": 3000 } } }')
    await until("the edit", () => s.config().server.event_stream.heartbeat_ms === 3000)
  })

  test("server.port is written to the file but the bound port stays live", async () => {
    const initial = defaultConfig()
    const s = setup({ text: "{}", initial: { ...initial, server: { ...initial.server, port: 4567 } } })
    const config = await s.file.patch({ server: { port: 5000 } })
    expect(config.server.port).toBe(4567)
    expect(readFileSync(s.path, "utf8")).toContain('"port": 5000')
    expect(s.logs.join("\n")).toContain("takes effect at the next start")
  })

  test("a hostname the next start would refuse (not loopback, no password) → ConfigInvalid; with one, written", async () => {
    const s = setup({ text: HAND_WRITTEN })
    const error = await s.file.patch({ server: { hostname: "0.0.0.0" } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigInvalid)
    expect((error as ConfigInvalid).issues).toEqual([
      {
        path: "server.hostname",
        message: expect.stringContaining(
          "0.0.0.0 is not a loopback address and TETHER_SERVER_PASSWORD is not set",
        ),
      },
    ])
    expect(readFileSync(s.path, "utf8")).toBe(HAND_WRITTEN)
    expect(s.published).toHaveLength(0)

    const guarded = setup({ text: HAND_WRITTEN, env: { TETHER_SERVER_PASSWORD: "secret" } })
    await guarded.file.patch({ server: { hostname: "0.0.0.0" } })
    expect(readFileSync(guarded.path, "utf8")).toContain('"hostname": "0.0.0.0"')
    expect(guarded.logs.join("\n")).toContain("takes effect at the next start")
  })

  test("a file broken on disk → ConfigFileConflict naming it; nothing written", async () => {
    const s = setup({ text: '{ "server": { ' })
    const error = await s.file
      .patch({ server: { event_stream: { heartbeat_ms: 2000 } } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigFileConflict)
    expect((error as Error).message).toContain(s.path)
    expect(readFileSync(s.path, "utf8")).toBe('{ "server": { ')
  })

  test("a file on disk that is not UTF-8 → ConfigFileConflict with the byte's position; nothing written", async () => {
    const s = setup()
    const latin1 = Buffer.from("{\n  // caf\xe9\n}\n", "latin1")
    writeFileSync(s.path, latin1)
    const error = await s.file
      .patch({ server: { event_stream: { heartbeat_ms: 2000 } } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigFileConflict)
    expect((error as Error).message).toContain(s.path)
    expect((error as Error).message).toContain("line 2, column 9: not valid UTF-8 (byte 0xe9)")
    expect(readFileSync(s.path)).toEqual(latin1)
    expect(s.config()).toEqual(defaultConfig())
  })

  test("an empty file in use is waited for while an editor saves it, then patched with every key kept", async () => {
    const s = setup({ text: HAND_WRITTEN, settleMs: 2000 })
    writeFileSync(s.path, "")
    const pending = s.file.patch({ server: { cors: ["http://a.test"] } })
    await Bun.sleep(100)
    writeFileSync(s.path, HAND_WRITTEN.replace("5000", "2000"))
    const config = await pending
    expect(config.server.event_stream.heartbeat_ms).toBe(2000)
    const text = readFileSync(s.path, "utf8")
    expect(text).toContain("// beat fast while developing")
    expect(text).toContain('"heartbeat_ms": 2000')
    expect(text).toContain('"http://a.test"')
  })

  test("a file in use left empty or removed → ConfigConflict naming it; never rewritten from defaults", async () => {
    const s = setup({ text: HAND_WRITTEN })
    writeFileSync(s.path, "  \n")
    const startedAt = Date.now()
    const empty = await s.file.patch({ server: { cors: ["http://a.test"] } }).catch((e: unknown) => e)
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300)
    expect(empty).toBeInstanceOf(ConfigConflict)
    expect((empty as ConfigConflict).toJSON()).toEqual({
      name: "ConfigConflict",
      file: s.path,
      message: expect.stringContaining(`The config file ${s.path} is empty (still after 300 ms)`),
    })
    expect(readFileSync(s.path, "utf8")).toBe("  \n")
    rmSync(s.path)
    const missing = await s.file.patch({ server: { cors: ["http://a.test"] } }).catch((e: unknown) => e)
    expect((missing as Error).message).toContain(`The config file ${s.path} does not exist`)
    expect(() => statSync(s.path)).toThrow()
    expect(s.config()).toEqual(defaultConfig())
    expect(s.published).toHaveLength(0)
  })

  test("a config file swapped for a FIFO or a symlink to /dev/zero → ConfigFileConflict at once", async () => {
    const s = setup({ text: HAND_WRITTEN })
    rmSync(s.path)
    symlinkSync("/dev/zero", s.path)
    const zero = await s.file.patch({ server: { cors: ["http://a.test"] } }).catch((e: unknown) => e)
    expect(zero).toBeInstanceOf(ConfigFileConflict)
    expect((zero as Error).message).toContain("it is a symbolic link to /dev/zero, a character device")
    rmSync(s.path)
    expect(spawnSync("mkfifo", [s.path]).status).toBe(0)
    const fifo = await s.file.patch({ server: { cors: ["http://a.test"] } }).catch((e: unknown) => e)
    expect((fifo as Error).message).toContain(`${s.path}: it is a FIFO (named pipe)`)
    expect(lstatSync(s.path).isFIFO()).toBe(true)
  })

  test("a symlinked config: the target is replaced, the link stays", async () => {
    const s = setup()
    const real = join(s.dir, "dotfiles", "tether.jsonc")
    mkdirSync(join(s.dir, "dotfiles"))
    writeFileSync(real, HAND_WRITTEN)
    symlinkSync(real, s.path)
    await s.file.patch({ server: { event_stream: { heartbeat_ms: 1000 } } })
    expect(readFileSync(real, "utf8")).toContain('"heartbeat_ms": 1000')
    expect(lstatSync(s.path).isSymbolicLink()).toBe(true)
    expect(readFileSync(s.path, "utf8")).toBe(readFileSync(real, "utf8"))
  })
})

describe("watch", () => {
  test("a valid hand edit applies and is announced; an editor's rename-save too", async () => {
    const s = setup({ text: HAND_WRITTEN })
    await s.file.start()
    writeFileSync(s.path, HAND_WRITTEN.replace("5000", "2000"))
    await until("the edit", () => s.config().server.event_stream.heartbeat_ms === 2000)
    expect(s.published.at(-1)?.properties.changed).toEqual(["server.event_stream.heartbeat_ms"])
    const temp = join(s.dir, ".tether.jsonc.swp")
    writeFileSync(temp, HAND_WRITTEN.replace("5000", "7000"))
    renameSync(temp, s.path)
    await until("the rename-save", () => s.config().server.event_stream.heartbeat_ms === 7000)
    expect(s.published).toHaveLength(2)
  })

  test("a broken hand edit is logged with the core's message and the running config is kept", async () => {
    const s = setup({ text: HAND_WRITTEN })
    await s.file.start()
    writeFileSync(s.path, HAND_WRITTEN.replace("5000", "500"))
    await until("the error", () => s.logs.some((line) => line.includes("server.event_stream.heartbeat_ms")))
    const line = s.logs.find((l) => l.includes("server.event_stream.heartbeat_ms")) ?? ""
    expect(line).toContain(`Invalid config in ${s.path}`)
    expect(line).toContain("500")
    expect(line).toContain("running config is kept")
    writeFileSync(s.path, "{ nope")
    await until("the syntax error", () => s.logs.filter((l) => l.includes("Invalid config")).length === 2)
    // Saved in another encoding: refused like loadConfig refuses it, not read with replacement characters.
    writeFileSync(
      s.path,
      Buffer.from(HAND_WRITTEN.replace("5000", "2000").replace("fast", "f\xe4st"), "latin1"),
    )
    await until("the encoding error", () => s.logs.some((l) => l.includes("not valid UTF-8")))
    expect(s.logs.find((l) => l.includes("not valid UTF-8"))).toContain("running config is kept")
    expect(s.config()).toEqual(defaultConfig())
    expect(s.published).toHaveLength(0)
  })

  test("a config file swapped for a FIFO or an empty file is logged and the running config kept", async () => {
    const s = setup({ text: HAND_WRITTEN.replace("5000", "2000") })
    await s.file.start()
    writeFileSync(s.path, HAND_WRITTEN)
    await until("the edit", () => s.config().server.event_stream.heartbeat_ms === 5000)
    rmSync(s.path)
    expect(spawnSync("mkfifo", [s.path]).status).toBe(0)
    await until("the FIFO", () => s.logs.some((line) => line.includes("it is a FIFO (named pipe)")))
    expect(s.logs.find((line) => line.includes("FIFO"))).toContain("the running config is kept")
    rmSync(s.path)
    writeFileSync(s.path, "")
    await until("the empty file", () => s.logs.some((line) => line.includes("the file is empty")))
    expect(s.config().server.event_stream.heartbeat_ms).toBe(5000)
    expect(s.published).toHaveLength(1)
  })

  test("a hand edit to a hostname the next start would refuse is warned about", async () => {
    const s = setup({ text: HAND_WRITTEN })
    await s.file.start()
    writeFileSync(s.path, HAND_WRITTEN.replace('"server": {', '"server": {\n    "hostname": "192.168.1.5",'))
    await until("the warning", () => s.logs.some((line) => line.startsWith("warning: 192.168.1.5")))
    expect(s.logs.join("\n")).toContain("takes effect at the next start")
  })

  test("our own PATCH write is not applied twice by the watcher", async () => {
    const s = setup({ text: HAND_WRITTEN })
    await s.file.start()
    await s.file.patch({ server: { event_stream: { heartbeat_ms: 4000 } } })
    await Bun.sleep(300)
    expect(s.published).toHaveLength(1)
  })
})
