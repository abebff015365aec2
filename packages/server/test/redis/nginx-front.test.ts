/**
 * The load-balancer example of the README ("Running several instances"), run as written: nginx with that
 * `upstream` of two instances (ports swapped for free ones), no sticky sessions. A client reading through
 * nginx is moved between the instances by its reconnects and still gets every event once, in order.
 */
import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Subprocess } from "bun"
import { sequenceProblems } from "../helpers/id-subscriber.ts"
import { publish } from "../helpers/instances.ts"
import { descendantsOf, killRunning, waitGone } from "../helpers/process-tree.ts"
import { freePort, type RedisServer, startRedis } from "../helpers/redis-server.ts"
import { killAll, startServe } from "../helpers/server-process.ts"
import { connectSse } from "../helpers/sse.ts"

const README = join(import.meta.dir, "..", "..", "README.md")

let redis: RedisServer | undefined
let nginx: Subprocess<"ignore", "ignore", "pipe"> | undefined

/**
 * Stops nginx with SIGTERM, which makes the master stop its worker first (a SIGKILLed master leaves its
 * worker running, reparented, for good); resolves with any process of it still running after 5 s,
 * which it then kills.
 */
const stopNginx = async (): Promise<number[]> => {
  const master = nginx
  if (master === undefined) return []
  nginx = undefined
  const workers = descendantsOf(master.pid)
  master.kill("SIGTERM")
  const left = await waitGone([master.pid, ...workers], 5000)
  killRunning(left)
  await master.exited
  return left
}

afterAll(async () => {
  await stopNginx()
  await killAll()
  await redis?.stop()
})

/** The README's nginx block, on these ports, inside the minimum a standalone nginx needs. */
const nginxConfig = (dir: string, listen: number, upstreams: readonly number[]): string => {
  const block = /```nginx\n([\s\S]*?)```/.exec(readFileSync(README, "utf8"))?.[1]
  if (block === undefined) throw new Error("no ```nginx block in the README")
  expect(block).toContain("server 127.0.0.1:4101;")
  expect(block).toContain("server 127.0.0.1:4102;")
  expect(block).toContain("listen 8080;")
  const http = block
    .replace("server 127.0.0.1:4101;", `server 127.0.0.1:${upstreams[0]};`)
    .replace("server 127.0.0.1:4102;", `server 127.0.0.1:${upstreams[1]};`)
    .replace("listen 8080;", `listen 127.0.0.1:${listen};`)
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, name)};`)
    .join("\n")
  return `daemon off;\nworker_processes 1;\npid ${join(dir, "nginx.pid")};\nerror_log ${join(dir, "error.log")} warn;\nevents {}\nhttp {\naccess_log off;\n${temp}\n${http}\n}\n`
}

test("the README's nginx front: streams and publishes spread over both instances, a client moved between them loses nothing", async () => {
  if (Bun.which("nginx") === null) throw new Error("this test needs nginx (Debian: apt-get install nginx)")
  redis = await startRedis()
  const ports = [await freePort(), await freePort()]
  const instances = await Promise.all(
    ports.map((port) =>
      startServe(["--port", String(port), "--event-log", "redis", "--redis-url", redis?.url as string]),
    ),
  )
  const dir = mkdtempSync(join(tmpdir(), "tether-nginx-"))
  const listen = await freePort()
  writeFileSync(join(dir, "nginx.conf"), nginxConfig(dir, listen, ports))
  nginx = Bun.spawn(["nginx", "-e", join(dir, "error.log"), "-p", dir, "-c", join(dir, "nginx.conf")], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  })
  const front = `http://127.0.0.1:${listen}`
  const deadline = Date.now() + 10_000
  while ((await fetch(`${front}/global/health`).catch(() => null))?.status !== 200) {
    if (Date.now() > deadline)
      throw new Error(`nginx did not come up: ${await new Response(nginx.stderr).text()}`)
    await Bun.sleep(50)
  }

  // Round robin: consecutive streams land on both instances.
  const seenInstances = new Set<string>()
  const ids: string[] = []
  let lastId: string | undefined
  for (let round = 0; round < 6; round++) {
    const stream = await connectSse(front, lastId === undefined ? {} : { lastEventId: lastId })
    const connected = await stream.next()
    expect(connected?.type).toBe("server.connected")
    seenInstances.add(connected?.properties.instance as string)
    // Published through the front too, so through either instance.
    const sent = [
      await publish(front, "via-nginx", { round, n: 0 }),
      await publish(front, "via-nginx", { round, n: 1 }),
    ]
    for (const one of sent) expect(one.status).toBe(202)
    const got = await stream.until((event) => event.id === sent[1]?.id)
    expect(got.some((event) => event.type === "server.resync")).toBe(false)
    for (const event of got) if (event.id !== null) ids.push(event.id)
    lastId = ids.at(-1)
    stream.close()
    // Published while this client is away: its next stream (maybe on the other instance) replays it.
    expect((await publish(instances[round % 2]?.url as string, "while-away", { round })).status).toBe(202)
  }
  expect(seenInstances.size).toBe(2)
  expect(sequenceProblems(ids)).toEqual([])
  expect(ids.length).toBe(6 * 3 - 1)
  // Nothing of nginx outlives the test.
  expect(await stopNginx()).toEqual([])
}, 60_000)
