/**
 * Builds `dist/` as npm users receive it. `tsc` compiles `src/`; then the wire contract, whose one home
 * is `@tether/core/wire` (dependency-free), is compiled into `dist/wire/` and every `@tether/core/wire`
 * import in `dist/` is pointed there. The published SDK thus carries its own copy of the contract,
 * made from the same source as core's, and has no runtime dependency, nor a type one.
 *
 * ```sh
 * bun scripts/build.ts                  # into dist/
 * bun scripts/build.ts --out-dir DIR    # elsewhere (the Node test installs a fresh copy)
 * ```
 *
 * @module
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const WIRE = "@tether/core/wire"
const packageDir = resolve(import.meta.dir, "..")
const tsc = resolve(packageDir, "../../node_modules/.bin/tsc")

const flag = process.argv.indexOf("--out-dir")
const outDir = flag === -1 ? join(packageDir, "dist") : resolve(process.argv[flag + 1] ?? "")
if (flag !== -1 && process.argv[flag + 1] === undefined) fail("--out-dir needs a folder")

rmSync(outDir, { recursive: true, force: true })
compile("tsconfig.build.json", outDir)
compile("tsconfig.wire.json", join(outDir, "wire"))

const wireIndex = join(outDir, "wire", "index.js")
const left: string[] = []
for (const file of files(outDir)) {
  if (!/\.(js|d\.ts)$/.test(file) || file.startsWith(join(outDir, "wire/"))) continue
  const text = readFileSync(file, "utf8")
  let target = relative(dirname(file), wireIndex)
  if (!target.startsWith(".")) target = `./${target}`
  const rewritten = text.replaceAll(`"${WIRE}"`, JSON.stringify(target))
  if (rewritten !== text) writeFileSync(file, rewritten)
  // Import and export statements start a line; JSDoc examples (` * import … from "@tether/sdk"`) do not.
  if (/^(?:import|export)\b[^\n]*["']@tether\/core/m.test(rewritten)) left.push(relative(packageDir, file))
}
if (left.length > 0) fail(`still importing a workspace package after the build: ${left.join(", ")}`)

function compile(project: string, out: string): void {
  const run = Bun.spawnSync([tsc, "-p", join(packageDir, project), "--outDir", out], { cwd: packageDir })
  const output = `${run.stdout}${run.stderr}`.trim()
  if (run.exitCode !== 0 || output !== "") fail(`tsc -p ${project} failed:\n${output}`)
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

function fail(message: string): never {
  console.error(`@tether/sdk build: ${message}`)
  process.exit(1)
}
