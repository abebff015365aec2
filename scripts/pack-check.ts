/**
 * @module
 * The pack check: proves that each package, as npm users would receive it, installs and works on
 * its own outside this workspace.
 *
 * 1. builds every package (`turbo run build`, cached), packs each with `bun pm pack` into a scratch
 *    folder made with mkdtemp outside the repo, and inspects the tarballs: dist/, README.md and LICENSE
 *    and nothing else, no leaked `workspace:` range, every export and import resolvable, no
 *    fault-injection code;
 * 2. installs all tarballs into a fresh project, once with npm and once with Bun;
 * 3. runs `@tether/core` (validate, refuse, load) under Node 20 and Bun, starts the `tether` bin from
 *    the tarball (`serve --port 0`) and asks it `/global/health`, subscribes with `@tether/sdk` under
 *    Node and Bun, checks the bin tells Node users it needs Bun;
 * 4. type-checks consumer files with the registry's `typescript` against the published `.d.ts`.
 *
 * ```sh
 * bun run pack:check                 # everything; exit 1 on any failure
 * bun run pack:check --skip-build    # reuse the dist/ folders already built
 * bun run pack:check --keep          # keep the scratch folder to poke at
 * ```
 */
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type Consumer,
  createConsumer,
  install,
  installedCopies,
  type PackageManager,
} from "./pack-check/consumer.ts"
import { EXPECTATIONS, inspectTarball } from "./pack-check/inspect.ts"
import { Report } from "./pack-check/report.ts"
import { run, runOk, tail } from "./pack-check/run.ts"
import { getJson, type RunningServer, startServer } from "./pack-check/server.ts"
import { packPackage, type Tarball } from "./pack-check/tarball.ts"
import { COMPILERS, type Compiler, prepareTypeCheck, typeCheck } from "./pack-check/typecheck.ts"
import { publicPackages, ROOT } from "./pack-check/workspace.ts"

const FIXTURES = join(import.meta.dir, "pack-check", "fixtures")
const MANAGERS: PackageManager[] = ["npm", "bun"]
const args = new Set(process.argv.slice(2))
const report = new Report()

async function main(): Promise<number> {
  const node = await run(["node", "--version"], { cwd: ROOT })
  console.log(`pack check with bun ${Bun.version}, node ${node.stdout.trim() || "(missing)"}`)

  if (!args.has("--skip-build")) {
    const built = await report.step("build every package (turbo run build)", () =>
      runOk(
        [
          join(ROOT, "node_modules/.bin/turbo"),
          "run",
          "build",
          "--filter=./packages/*",
          "--output-logs=errors-only",
        ],
        {
          cwd: ROOT,
          timeoutMs: 600_000,
        },
      ),
    )
    if (!built) console.log("  (packing anyway, to report everything that is wrong with the tarballs)")
  }

  const scratch = realpathSync(mkdtempSync(join(tmpdir(), "tether-pack-check-")))
  if (scratch.startsWith(`${realpathSync(ROOT)}/`))
    throw new Error(`scratch folder ${scratch} is inside the workspace`)
  console.log(`scratch folder: ${scratch}`)
  const tarballDir = join(scratch, "tarballs")
  mkdirSync(tarballDir)

  const packages = await publicPackages()
  const versions = new Map(packages.map((pkg) => [pkg.name, pkg.version]))
  const tarballs: Tarball[] = []
  for (const pkg of packages) {
    const tarball = await report.step(
      `pack ${pkg.name}`,
      () => packPackage(pkg, tarballDir),
      (packed) => `${packed.files.length} files, ${(packed.bytes / 1024).toFixed(1)} KiB`,
    )
    if (!tarball) continue
    tarballs.push(tarball)
    const expectations = EXPECTATIONS[pkg.name]
    let warnings: string[] = []
    await report.step(`contents of ${pkg.name}`, async () => {
      const found = await inspectTarball(tarball, { relativeDir: pkg.relativeDir, versions, expectations })
      warnings = found.warnings
      if (found.errors.length > 0) throw new Error(found.errors.map((error) => `- ${error}`).join("\n"))
    })
    report.warn(pkg.name, warnings)
  }

  if (tarballs.length !== packages.length) {
    report.skip("install and run the tarballs", "not every package packed")
  } else {
    for (const manager of MANAGERS) await checkConsumer(scratch, manager, tarballs)
  }

  console.log(`\n${report.summary()}`)
  const failed = report.failed.length > 0
  if (args.has("--keep") || failed) console.log(`scratch folder kept: ${scratch}`)
  else rmSync(scratch, { recursive: true, force: true })
  return failed ? 1 : 0
}

async function checkConsumer(scratch: string, manager: PackageManager, tarballs: Tarball[]): Promise<void> {
  // Types are checked once, in the npm project (the layout most users have).
  const consumer = await createConsumer(scratch, manager, tarballs, manager === "npm")
  const label = `[${manager}]`
  const installed = await report.step(
    `${label} install the ${tarballs.length} tarballs into a fresh project`,
    () => install(consumer),
    (how) => how,
  )
  if (installed === undefined) {
    report.skip(`${label} run the installed packages`, "the install failed")
    return
  }
  await report.step(`${label} one copy of each package, from its tarball`, async () => {
    const problems = await installedCopies(consumer, tarballs)
    if (problems.length > 0) throw new Error(problems.join("\n"))
  })
  for (const fixture of ["core-smoke.mjs", "sdk-smoke.mjs"])
    copyFileSync(join(FIXTURES, fixture), join(consumer.dir, fixture))

  for (const runtime of ["node", "bun"] as const) {
    await report.step(
      `${label} @tether/core validates a config under ${runtime}`,
      () => runFixture(consumer, runtime, "core-smoke.mjs"),
      (out) => out,
    )
  }

  const server = await report.step(
    `${label} the tether bin starts (serve --port 0)`,
    () => startServer(consumer, join(scratch, `home-${manager}`)),
    (started) => started.url,
  )
  if (!server) {
    report.skip(`${label} health, app and SDK against the bin's server`, "the server did not start")
  } else {
    await checkServer(consumer, server, tarballs, label)
  }
  await report.step(`${label} the tether bin says it needs Bun when run with Node`, () =>
    binUnderNode(consumer, tarballs),
  )

  if (manager === "npm") {
    const profiles = await prepareTypeCheck(consumer, tarballs)
    for (const [index, profile] of profiles.entries()) {
      for (const compiler of COMPILERS)
        await checkTypes(
          consumer,
          index,
          compiler,
          `${label} ${compiler.name} on consumer files (${profile.name})`,
        )
    }
  }
}

async function checkTypes(consumer: Consumer, index: number, compiler: Compiler, name: string) {
  let thirdParty: string[] = []
  await report.step(name, async () => {
    const diagnostics = await typeCheck(consumer, index, compiler)
    thirdParty = diagnostics.thirdParty
    if (diagnostics.ours.length > 0) throw new Error(tail(diagnostics.ours.join("\n"), 40))
  })
  report.warn(
    name,
    thirdParty.map((diagnostic) => `not ours, in a dependency: ${diagnostic}`),
  )
}

async function checkServer(consumer: Consumer, server: RunningServer, tarballs: Tarball[], label: string) {
  const serverVersion = tarballs.find((tarball) => tarball.name === "@tether/server")?.version
  try {
    await report.step(
      `${label} GET /global/health answers`,
      async () => {
        const { status, body } = await getJson(`${server.url}/global/health`)
        const health = body as { healthy?: unknown; version?: unknown }
        if (status !== 200 || health.healthy !== true) throw new Error(`${status} ${JSON.stringify(body)}`)
        if (health.version !== serverVersion) {
          throw new Error(
            `reports version ${JSON.stringify(health.version)}, the tarball is ${serverVersion}`,
          )
        }
        return JSON.stringify(body)
      },
      (body) => body,
    )
    await report.step(`${label} GET /global/health/ready turns 200`, async () => {
      const until = Date.now() + 15_000
      let last = ""
      while (Date.now() < until) {
        const { status, body } = await getJson(`${server.url}/global/health/ready`)
        last = `${status} ${JSON.stringify(body)}`
        if (status === 200) return
        await Bun.sleep(250)
      }
      throw new Error(`still not ready after 15 s: ${last}`)
    })
    await report.step(`${label} the app from @tether/app is served at /`, () => appServed(server.url))
    for (const runtime of ["node", "bun"] as const) {
      await report.step(
        `${label} @tether/sdk subscribes under ${runtime}`,
        () => runFixture(consumer, runtime, "sdk-smoke.mjs", [server.url]),
        (out) => out,
      )
    }
  } finally {
    await report.step(`${label} SIGTERM stops the server with exit 0`, async () => {
      const code = await server.stop()
      if (code !== 0)
        throw new Error(
          `exit ${code === null ? "none: killed after 10 s" : code}\n${tail(server.output().trim(), 20)}`,
        )
    })
  }
}

async function runFixture(
  consumer: Consumer,
  runtime: "node" | "bun",
  fixture: string,
  extra: string[] = [],
) {
  const result = await run([runtime, fixture, ...extra], { cwd: consumer.dir, timeoutMs: 60_000 })
  const out = `${result.stdout}\n${result.stderr}`.trim()
  if (result.timedOut)
    throw new Error(`did not exit within 60 s (a timer or socket left open?)\n${tail(out, 30)}`)
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${tail(out, 30)}`)
  return result.stdout.trim().split("\n").at(-1) ?? ""
}

async function appServed(url: string): Promise<string> {
  const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) })
  const type = response.headers.get("content-type") ?? ""
  const html = await response.text()
  if (response.status !== 200 || !type.includes("text/html")) {
    throw new Error(`GET / → ${response.status} ${type}: ${html.slice(0, 200)}`)
  }
  const script = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1]
  if (!script) throw new Error("GET / has no <script src> for the app bundle")
  const asset = await fetch(new URL(script, `${url}/`), { signal: AbortSignal.timeout(10_000) })
  const assetType = asset.headers.get("content-type") ?? ""
  await asset.arrayBuffer()
  if (asset.status !== 200 || !assetType.includes("javascript")) {
    throw new Error(`the bundle ${script} → ${asset.status} ${assetType}`)
  }
  return `index.html and ${script}`
}

async function binUnderNode(consumer: Consumer, tarballs: Tarball[]): Promise<void> {
  const manifest = tarballs.find((tarball) => tarball.name === "@tether/server")?.manifest
  const target = typeof manifest?.bin === "object" ? manifest.bin.tether : manifest?.bin
  if (!target) throw new Error("@tether/server has no tether bin")
  const file = join(consumer.dir, "node_modules/@tether/server", target)
  const result = await run(["node", file, "serve", "--port", "0"], { cwd: consumer.dir, timeoutMs: 15_000 })
  const out = `${result.stdout}\n${result.stderr}`.trim()
  if (result.timedOut) throw new Error(`\`node ${target} serve\` kept running for 15 s instead of refusing`)
  if (result.code === 0) throw new Error(`\`node ${target} serve\` exited 0:\n${tail(out, 10)}`)
  // A Node stack trace about `Bun is not defined` or a failed `bun:` import is not a clear message.
  const clear =
    /\bbun\b/i.test(out) && /(need|require|install|run (it )?with)/i.test(out) && !/^\s+at /m.test(out)
  if (!clear) throw new Error(`exit ${result.code}, but no clear "needs Bun" message:\n${tail(out, 12)}`)
}

process.exit(await main())
