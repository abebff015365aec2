/**
 * Regenerates `schema/tether.schema.json` from the zod schema: `bun run schema` in packages/core.
 * `src/config/json-schema.test.ts` fails while the committed file is out of date.
 */
import { configJsonSchema } from "../src/config/json-schema.ts"

const target = new URL("../schema/tether.schema.json", import.meta.url)
await Bun.write(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
