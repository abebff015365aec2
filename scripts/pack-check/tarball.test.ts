import { afterAll, expect, test } from "bun:test"
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = mkdtempSync(join(tmpdir(), "tether-pack-interrupt-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// `packPackage` writes the published manifest over the package's own package.json for `bun pm pack`.
// Ctrl-C in that window (the terminal signals the whole process group) must not leave the work tree's
// package.json without its `@tether/source` condition: the workspace would then resolve to `dist/`.
test("Ctrl-C while a package is packed leaves its package.json as it was", async () => {
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name: "root", private: true, workspaces: ["packages/*"] }),
  )
  const dir = join(root, "packages", "a")
  mkdirSync(join(dir, "dist"), { recursive: true })
  const original = `${JSON.stringify(
    {
      name: "@demo/a",
      version: "1.0.0",
      files: ["dist"],
      exports: { ".": { "@tether/source": "./src/index.ts", default: "./dist/index.js" } },
    },
    null,
    2,
  )}\n`
  writeFileSync(join(dir, "package.json"), original)
  writeFileSync(join(dir, "dist", "index.js"), "export {}\n")
  const script = join(root, "pack.ts")
  writeFileSync(
    script,
    `import { packPackage } from ${JSON.stringify(join(import.meta.dir, "tarball.ts"))}
import { publicPackages } from ${JSON.stringify(join(import.meta.dir, "workspace.ts"))}
const [pkg] = await publicPackages(${JSON.stringify(root)})
for (let i = 0; i < 50; i++) await packPackage(pkg, ${JSON.stringify(root)})
console.log("packed")
`,
  )
  // Its own process group, as a command typed in a terminal: Ctrl-C reaches it and `bun pm pack` alike.
  const child = spawn(process.execPath, [script], { cwd: root, detached: true, stdio: "ignore" })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_code, signal) => resolve(signal)),
  )
  const deadline = Date.now() + 20_000
  while (readFileSync(join(dir, "package.json"), "utf8") === original && Date.now() < deadline) {
    await Bun.sleep(1)
  }
  const rewritten = readFileSync(join(dir, "package.json"), "utf8")
  process.kill(-(child.pid as number), "SIGINT")
  // Ended by the signal, as it would have been without the put-back (a script's caller sees the same).
  expect(await exited).toBe("SIGINT")
  // The signal landed while the published manifest was on disk (else this test proves nothing).
  expect(rewritten).not.toContain("@tether/source")
  expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(original)
}, 30_000)
