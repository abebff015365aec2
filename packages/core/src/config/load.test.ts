import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigFileError, ConfigInvalid } from "./errors.ts"
import { loadConfig } from "./load.ts"

let root: string
let cwd: string
let home: string
let xdg: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "tether-core-load-"))
  cwd = join(root, "project")
  home = join(root, "home")
  xdg = join(root, "xdg")
  await Promise.all([mkdir(cwd), mkdir(home), mkdir(join(xdg, "tether"), { recursive: true })])
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const heartbeat = (ms: number): string => `{ "server": { "event_stream": { "heartbeat_ms": ${ms} } } }\n`

/** Writes one config file per lookup place, each with its own heartbeat so the winner is visible. */
const writeAll = async (): Promise<{ flag: string; env: string }> => {
  const flag = join(root, "flag.jsonc")
  const env = join(root, "env.json")
  await Promise.all([
    writeFile(flag, heartbeat(1001)),
    writeFile(env, heartbeat(1002)),
    writeFile(join(cwd, "tether.jsonc"), heartbeat(1003)),
    writeFile(join(cwd, "tether.json"), heartbeat(1004)),
    writeFile(join(xdg, "tether", "tether.jsonc"), heartbeat(1005)),
    writeFile(join(xdg, "tether", "tether.json"), heartbeat(1006)),
  ])
  return { flag, env }
}

const heartbeatOf = (loaded: { config: { server: { event_stream: { heartbeat_ms: number } } } }): number =>
  loaded.config.server.event_stream.heartbeat_ms

describe("loadConfig lookup order", () => {
  test("flag > TETHER_CONFIG > ./tether.jsonc > ./tether.json > XDG jsonc > XDG json > defaults", async () => {
    const { flag, env } = await writeAll()
    const vars = { HOME: home, XDG_CONFIG_HOME: xdg, TETHER_CONFIG: env }

    const byFlag = await loadConfig({ configPath: flag, cwd, env: vars })
    expect([heartbeatOf(byFlag), byFlag.source, byFlag.path]).toEqual([1001, "flag", flag])

    const byEnv = await loadConfig({ cwd, env: vars })
    expect([heartbeatOf(byEnv), byEnv.source, byEnv.path]).toEqual([1002, "env", env])

    const noEnv = { HOME: home, XDG_CONFIG_HOME: xdg }
    const byJsonc = await loadConfig({ cwd, env: noEnv })
    expect([heartbeatOf(byJsonc), byJsonc.source, byJsonc.path]).toEqual([
      1003,
      "cwd",
      join(cwd, "tether.jsonc"),
    ])

    await rm(join(cwd, "tether.jsonc"))
    const byJson = await loadConfig({ cwd, env: noEnv })
    expect([heartbeatOf(byJson), byJson.source, byJson.path]).toEqual([1004, "cwd", join(cwd, "tether.json")])

    await rm(join(cwd, "tether.json"))
    const byXdg = await loadConfig({ cwd, env: noEnv })
    expect([heartbeatOf(byXdg), byXdg.source, byXdg.path]).toEqual([
      1005,
      "xdg",
      join(xdg, "tether", "tether.jsonc"),
    ])

    await rm(join(xdg, "tether", "tether.jsonc"))
    const byXdgJson = await loadConfig({ cwd, env: noEnv })
    expect([heartbeatOf(byXdgJson), byXdgJson.source]).toEqual([1006, "xdg"])

    await rm(join(xdg, "tether", "tether.json"))
    const byDefault = await loadConfig({ cwd, env: noEnv })
    expect([heartbeatOf(byDefault), byDefault.source, byDefault.path]).toEqual([10_000, "default", null])
  })

  test("without XDG_CONFIG_HOME the XDG place is ~/.config/tether", async () => {
    await mkdir(join(home, ".config", "tether"), { recursive: true })
    await writeFile(join(home, ".config", "tether", "tether.json"), heartbeat(2000))
    const loaded = await loadConfig({ cwd, env: { HOME: home } })
    expect([heartbeatOf(loaded), loaded.source, loaded.path]).toEqual([
      2000,
      "xdg",
      join(home, ".config", "tether", "tether.json"),
    ])
  })

  test("a relative XDG_CONFIG_HOME is ignored, as the XDG spec says", async () => {
    await mkdir(join(home, ".config", "tether"), { recursive: true })
    await writeFile(join(home, ".config", "tether", "tether.json"), heartbeat(2000))
    const loaded = await loadConfig({ cwd, env: { HOME: home, XDG_CONFIG_HOME: "relative/dir" } })
    expect(heartbeatOf(loaded)).toBe(2000)
  })

  test("an empty TETHER_CONFIG counts as unset", async () => {
    await writeFile(join(cwd, "tether.json"), heartbeat(3000))
    const loaded = await loadConfig({ cwd, env: { HOME: home, TETHER_CONFIG: "" } })
    expect([heartbeatOf(loaded), loaded.source]).toEqual([3000, "cwd"])
  })

  test("relative --config and TETHER_CONFIG paths resolve against cwd", async () => {
    await mkdir(join(cwd, "conf"))
    await writeFile(join(cwd, "conf", "a.jsonc"), heartbeat(4000))
    const byFlag = await loadConfig({ configPath: "conf/a.jsonc", cwd, env: { HOME: home } })
    expect([heartbeatOf(byFlag), byFlag.path]).toEqual([4000, join(cwd, "conf", "a.jsonc")])
    const byEnv = await loadConfig({ cwd, env: { HOME: home, TETHER_CONFIG: "./conf/a.jsonc" } })
    expect([heartbeatOf(byEnv), byEnv.path]).toEqual([4000, join(cwd, "conf", "a.jsonc")])
  })
})

describe("loadConfig errors", () => {
  const fileError = async (run: () => Promise<unknown>): Promise<ConfigFileError> => {
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    )
    if (error instanceof ConfigFileError) return error
    throw new Error(`expected ConfigFileError, got ${String(error)}`)
  }

  test("a missing --config file is an error naming it, never the defaults", async () => {
    await writeFile(join(cwd, "tether.jsonc"), heartbeat(1003))
    const missing = join(root, "nope.jsonc")
    const error = await fileError(() => loadConfig({ configPath: missing, cwd, env: { HOME: home } }))
    expect(error.file).toBe(missing)
    expect(error.message).toBe(`Cannot read config file ${missing} (given by --config): no such file`)
    const named = await fileError(() =>
      loadConfig({ configPath: missing, configPathOrigin: "given to tether config validate", cwd }),
    )
    expect(named.message).toBe(
      `Cannot read config file ${missing} (given to tether config validate): no such file`,
    )
  })

  test("a missing TETHER_CONFIG file is an error naming it", async () => {
    const missing = join(root, "gone.json")
    const error = await fileError(() => loadConfig({ cwd, env: { HOME: home, TETHER_CONFIG: missing } }))
    expect(error.file).toBe(missing)
    expect(error.message).toContain("(given by TETHER_CONFIG): no such file")
  })

  test("a directory where a config file should be is an error, not skipped", async () => {
    await mkdir(join(cwd, "tether.jsonc"))
    const error = await fileError(() => loadConfig({ cwd, env: { HOME: home } }))
    expect(error.file).toBe(join(cwd, "tether.jsonc"))
    expect(error.message).toContain("it is a directory; a config file must be a regular file")
  })

  test("a dangling symlink found by lookup is an error naming its target, not skipped to the defaults", async () => {
    const target = join(root, "moved-away.jsonc")
    await symlink(target, join(cwd, "tether.jsonc"))
    await writeFile(join(xdg, "tether", "tether.jsonc"), heartbeat(1005))
    const error = await fileError(() => loadConfig({ cwd, env: { HOME: home, XDG_CONFIG_HOME: xdg } }))
    expect(error.file).toBe(join(cwd, "tether.jsonc"))
    expect(error.message).toBe(
      `Cannot read config file ${join(cwd, "tether.jsonc")} (found by lookup): it is a symbolic link to ${target}, which does not exist`,
    )
  })

  test("a device or an oversized file is refused, not read without end", async () => {
    const device = await fileError(() => loadConfig({ configPath: "/dev/zero", cwd, env: { HOME: home } }))
    expect(device.message).toBe(
      "Cannot read config file /dev/zero (given by --config): it is a character device; a config file must be a regular file",
    )
    const big = join(cwd, "tether.json")
    await writeFile(big, `{ "$schema": "${"x".repeat(2 * 1024 * 1024)}" }`)
    const tooBig = await fileError(() => loadConfig({ cwd, env: { HOME: home } }))
    expect(tooBig.message).toBe(
      `Cannot read config file ${big} (found by lookup): it is larger than 1 MiB, far more than any config`,
    )
  })

  test("invalid content is ConfigInvalid naming the file, key, range and value", async () => {
    const file = join(cwd, "tether.json")
    await writeFile(file, heartbeat(500))
    const error = await loadConfig({ cwd, env: { HOME: home } }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigInvalid)
    expect((error as ConfigInvalid).message).toBe(
      `Invalid config in ${file}:\n  server.event_stream.heartbeat_ms: expected an integer from 1000 to 60000, got 500`,
    )
  })

  test("a file that is not UTF-8 is refused at the first bad byte, not read as replacement characters", async () => {
    const file = join(cwd, "tether.json")
    // "café" saved as Latin-1: 0xE9 is not UTF-8.
    await writeFile(
      file,
      Buffer.from([...Buffer.from('{\n  "server": { "hostname": "caf'), 0xe9, ...Buffer.from('" }\n}\n')]),
    )
    const error = (await loadConfig({ cwd, env: { HOME: home } }).catch((e: unknown) => e)) as ConfigInvalid
    expect(error).toBeInstanceOf(ConfigInvalid)
    expect(error.issues).toEqual([
      { path: "", message: "line 2, column 31: not valid UTF-8 (byte 0xe9); save the file as UTF-8" },
    ])

    // Notepad's "Unicode": UTF-16 little-endian with its byte order mark.
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("{}", "utf16le")]))
    const utf16 = (await loadConfig({ cwd, env: { HOME: home } }).catch((e: unknown) => e)) as ConfigInvalid
    expect(utf16.issues).toEqual([
      { path: "", message: "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8" },
    ])
    expect(utf16.file).toBe(file)
  })

  test("malformed JSONC gives the line and column", async () => {
    const file = join(cwd, "tether.jsonc")
    await writeFile(file, '{\n  "server": {\n    "port": 4096,\n  }\n  "x": 1\n}\n')
    const error = (await loadConfig({ cwd, env: { HOME: home } }).catch((e: unknown) => e)) as ConfigInvalid
    expect(error).toBeInstanceOf(ConfigInvalid)
    expect(error.message).toStartWith(
      `Invalid config in ${file}:\n  line 5, column 3: expected ',' between items`,
    )
  })
})
