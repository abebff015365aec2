/**
 * @module
 * `bun run release`: builds, packs each unpublished package with Bun, and publishes the tarballs
 * through Changesets.
 *
 * Why not plain `changeset publish`: it runs `npm publish` in each package folder, and npm copies
 * `workspace:*` ranges verbatim into the published package.json, which then cannot be installed.
 * `bun pm pack` rewrites them to the siblings' real versions. So this script asks Changesets which
 * packages are not on the registry yet (`changeset publish-plan`), packs those with Bun, refuses a
 * tarball the pack check's static inspection finds fault with, and hands the tarballs to
 * `changeset publish --from-pack-dir`, which publishes them in dependency order and tags the release.
 *
 * ```sh
 * bun run release --dry-run   # build, plan, pack and inspect; publish nothing
 * bun run release             # the same, then publish (npm login or NPM_TOKEN; --otp CODE for 2FA)
 * NPM_CONFIG_REGISTRY=http://127.0.0.1:4873/ bun run release   # a rehearsal against a local Verdaccio
 * ```
 *
 * Before it builds anything it says which registry it publishes to and what chose it (publishConfig,
 * NPM_CONFIG_REGISTRY, an .npmrc file), and stops if that registry does not answer `npm ping`.
 */
import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EXPECTATIONS, inspectTarball } from "./pack-check/inspect.ts"
import { runOk } from "./pack-check/run.ts"
import { packPackage } from "./pack-check/tarball.ts"
import { publicPackages, ROOT, type WorkspacePackage } from "./pack-check/workspace.ts"
import { type PublishRegistry, pingRegistry, publishRegistry } from "./release-registry.ts"

/** One entry of a Changesets publish plan (`changeset publish-plan --output`). */
interface PlanEntry {
  kind: "publish" | "tag-only"
  name: string
  version: string
  access?: string
  tag?: string
  tarball?: { path: string; integrity: string }
}

interface PublishPlan {
  version: 1
  plan: PlanEntry[][]
}

const args = process.argv.slice(2)
const dryRun = args.includes("--dry-run")
const otpAt = args.indexOf("--otp")
const otp = otpAt === -1 ? undefined : args[otpAt + 1]
const changeset = [join(ROOT, "node_modules/.bin/changeset")]
// Changesets 3 needs Node >= 22 when run by node; Bun runs it on any machine that has Bun.
const bunRun = (command: string[]) => ["bun", "--bun", ...command]

/** Says where each package goes, before anything is built or published, and returns those registries. */
async function announceRegistries(packages: WorkspacePackage[]): Promise<Map<string, PublishRegistry>> {
  const registries = new Map<string, PublishRegistry>()
  for (const pkg of packages) registries.set(pkg.name, await publishRegistry(pkg))
  const verb = dryRun ? "would publish" : "publishing"
  const urls = new Set([...registries.values()].map((registry) => registry.url))
  if (urls.size === 1) {
    const [registry] = registries.values()
    console.log(`${verb} to ${registry?.url} (${registry?.source})`)
  } else {
    for (const [name, registry] of registries)
      console.log(`${verb} ${name} to ${registry.url} (${registry.source})`)
  }
  return registries
}

async function main(): Promise<number> {
  const packages = await publicPackages()
  const registries = await announceRegistries(packages)
  for (const url of new Set([...registries.values()].map((registry) => registry.url))) {
    const failure = await pingRegistry(url, ROOT)
    if (failure !== undefined) {
      console.error(
        `release: the registry ${url} does not answer \`npm ping\` (${failure}); nothing was built or ` +
          "published. For a rehearsal, start the local registry first (CONTRIBUTING.md, Releasing).",
      )
      return 1
    }
  }

  console.log("building every package")
  await runOk([join(ROOT, "node_modules/.bin/turbo"), "run", "build", "--filter=./packages/*"], {
    cwd: ROOT,
    timeoutMs: 600_000,
  })

  const out = mkdtempSync(join(tmpdir(), "tether-release-"))
  const planFile = join(out, "publish-plan.json")
  await runOk(bunRun([...changeset, "publish-plan", "--output", planFile]), { cwd: ROOT })
  const plan = (await Bun.file(planFile).json()) as PublishPlan
  const releases = plan.plan.flat().filter((entry) => entry.kind === "publish")
  if (releases.length === 0) {
    console.log("every package's current version is already on the registry: nothing to publish")
    return 0
  }

  const versions = new Map(packages.map((pkg) => [pkg.name, pkg.version]))
  const tarballDir = join(out, "packages")
  mkdirSync(tarballDir)
  let refused = false
  for (const release of releases) {
    const pkg = packages.find((candidate) => candidate.name === release.name)
    if (!pkg)
      throw new Error(`the publish plan names ${release.name}, which is not a public workspace package`)
    const tarball = await packPackage(pkg, tarballDir)
    const findings = await inspectTarball(tarball, {
      relativeDir: pkg.relativeDir,
      versions,
      expectations: EXPECTATIONS[pkg.name],
    })
    for (const warning of findings.warnings) console.log(`  ! ${pkg.name}: ${warning}`)
    if (findings.errors.length > 0) {
      refused = true
      console.error(`✗ ${pkg.name}@${tarball.version} will not be published:`)
      for (const error of findings.errors) console.error(`    - ${error}`)
      continue
    }
    release.tarball = { path: `packages/${tarball.path.split("/").at(-1)}`, integrity: tarball.integrity }
    console.log(
      `✓ packed ${release.name}@${release.version} (${release.tag ?? "latest"}): ${tarball.files.length} files`,
    )
  }
  if (refused) return 1
  await Bun.write(planFile, `${JSON.stringify(plan, null, 2)}\n`)

  if (dryRun) {
    console.log(`dry run: the tarballs and publish-plan.json are in ${out}; nothing was published`)
    return 0
  }
  for (const release of releases) {
    console.log(`publishing ${release.name}@${release.version} to ${registries.get(release.name)?.url}`)
  }
  const publish = Bun.spawn(
    bunRun([...changeset, "publish", "--from-pack-dir", out, ...(otp ? ["--otp", otp] : [])]),
    { cwd: ROOT, stdio: ["inherit", "inherit", "inherit"] },
  )
  return await publish.exited
}

process.exit(await main())
