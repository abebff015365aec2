/**
 * What `TETHER_SERVER_PASSWORD` may be, on real processes: a password no client could send intact is
 * refused at start (plain and supervised), and one that uses every allowed character opens the server by
 * every documented way (Bearer, Basic with any user name, `?token=`), through the SDK, and through the
 * supervisor's readiness poll.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createTetherClient, TetherApiError } from "@tether/sdk"
import { run, stopAll } from "./fixtures/ops-process.ts"
import { runCli } from "./helpers/server-process.ts"

const MAIN = join(import.meta.dir, "..", "src", "cli", "main.ts")
const dir = mkdtempSync(join(tmpdir(), "tether-password-"))
const isolated = { XDG_CONFIG_HOME: join(dir, "xdg"), XDG_DATA_HOME: join(dir, "data"), TETHER_CONFIG: "" }

// Every printable ASCII character, inner spaces (single and double) among them, padded to the limit.
const PRINTABLE = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i)).join("")
const PASSWORD = `a  b ${PRINTABLE} c`.padEnd(1024, "z")
let base = ""
let supervisor: ReturnType<typeof run>

beforeAll(async () => {
  supervisor = run(
    [
      MAIN,
      "serve",
      "--supervise",
      "--port",
      "0",
      "--event-log",
      "memory",
      ...["--ready-interval-ms", "100", "--start-timeout-ms", "20000"],
    ],
    { ...isolated, TETHER_SERVER_PASSWORD: PASSWORD },
  )
  const [, url] = await supervisor.waitFor("stdout", /^tether listening on (http:\/\/\S+)$/, 20_000)
  base = url as string
})

afterAll(async () => {
  await stopAll()
  rmSync(dir, { recursive: true, force: true })
})

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`

describe("a password no client could send intact is refused at start", () => {
  const refused: Record<string, string> = {
    "above U+00FF": "pass😀word",
    Latin1: "café",
    "a leading space": " secret",
    "a trailing space": "secret ",
    "a tab": "sec\tret",
    "a newline": "sec\nret",
    "over 1024 characters": "x".repeat(1025),
  }
  for (const [what, password] of Object.entries(refused)) {
    test(`${what}: exit 1 with the rule, the password not echoed`, async () => {
      const plain = await runCli(["serve", "--port", "0", "--event-log", "memory"], {
        env: { ...isolated, TETHER_SERVER_PASSWORD: password },
      })
      expect(plain.code).toBe(1)
      expect(plain.stdout).not.toContain("listening")
      expect(plain.stderr).toContain("TETHER_SERVER_PASSWORD is not usable")
      expect(plain.stderr).toContain("printable ASCII")
      expect(plain.stderr).not.toContain(password.trim())
    })
  }

  test("supervised: the supervisor refuses it too, before any child, exit 1", async () => {
    const sup = await runCli(["serve", "--supervise", "--port", "0", "--event-log", "memory"], {
      env: { ...isolated, TETHER_SERVER_PASSWORD: "pässwort" },
    })
    expect(sup.code).toBe(1)
    expect(sup.stderr).toContain("TETHER_SERVER_PASSWORD is not usable: character 2 is not printable ASCII")
    expect(sup.stderr).not.toContain("child")
    expect(sup.stderr).not.toContain("pässwort")
  })
})

describe("a password of every allowed character opens the server by every documented way", () => {
  test("the supervisor's poll authenticates: the child is ready and never replaced", async () => {
    const ready = await fetch(`${base}/global/health/ready`, {
      headers: { authorization: `Bearer ${PASSWORD}` },
    })
    expect(ready.status).toBe(200)
    // Polled every 100 ms: a poll the child refused would show as a restart within the start timeout.
    await Bun.sleep(1500)
    expect(supervisor.all("stderr", /restarting/)).toEqual([])
    expect(supervisor.all("stderr", /child \d+ started/)).toHaveLength(1)
  })

  test("Bearer, Basic with any user name, and ?token= percent-encoded", async () => {
    for (const authorization of [
      `Bearer ${PASSWORD}`,
      basic("", PASSWORD),
      basic("someone", PASSWORD),
      basic("üser 😀", PASSWORD),
    ]) {
      const response = await fetch(`${base}/global/config`, { headers: { authorization } })
      expect({ scheme: authorization.slice(0, 6), status: response.status }).toEqual({
        scheme: authorization.slice(0, 6),
        status: 200,
      })
    }
    const controller = new AbortController()
    const stream = await fetch(`${base}/global/event?token=${encodeURIComponent(PASSWORD)}`, {
      signal: controller.signal,
    })
    expect(stream.status).toBe(200)
    controller.abort()
    // Near misses are refused: the comparison is exact.
    for (const wrong of [PASSWORD.slice(1), `${PASSWORD.slice(0, -1)}Z`]) {
      const response = await fetch(`${base}/global/config`, { headers: { authorization: `Bearer ${wrong}` } })
      expect(response.status).toBe(401)
    }
  })

  test("the SDK: calls and the event stream", async () => {
    const client = createTetherClient({ baseUrl: base, password: PASSWORD })
    expect((await client.global.health()).healthy).toBe(true)
    const controller = new AbortController()
    const stream = client.global.event.stream({ signal: controller.signal })
    for await (const event of stream) {
      expect(event.type).toBe("server.connected")
      break
    }
    controller.abort()
  })

  test("the SDK with a password the server could never have: a 401 answer, not a TypeError", async () => {
    // fetch refuses such a header; the SDK sends it as Basic so the server's answer decides.
    for (const password of ["pass😀word", " padded "]) {
      const client = createTetherClient({ baseUrl: base, password })
      const error = await client.global.health().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(TetherApiError)
      expect((error as TetherApiError).status).toBe(401)
    }
  })
})
