/**
 * Regenerates `schema/tether.schema.json` from the zod schema: `bun run schema` in packages/core.
 * `src/config/json-schema.test.ts` fails while the committed file says anything else.
 */
import { configJsonSchema } from "../src/config/json-schema.ts"

const target = new URL("../schema/tether.schema.json", import.meta.url)
await Bun.write(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
// In the repository's own format (Biome keeps short arrays such as an `enum` on one line), so that
// `bun run lint` passes on the generated file as written.
Bun.spawnSync(["bunx", "biome", "format", "--write", target.pathname], {
  stdout: "ignore",
  stderr: "inherit",
})
console.log(`wrote ${target.pathname}`)
