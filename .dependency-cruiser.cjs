/**
 * The import rules of `packages/*\/src`, checked by `bun run lint` (`depcruise`): no import circle, and
 * no file of a lower layer importing a higher one. The layers are written down in
 * `packages/server/README.md` ("Layers"); this file is their executable copy.
 *
 * Tests (`*.test.ts(x)`) may assemble any layers, so the layer rules look only at shipped files.
 */

/** The packages and those each may import: the app stands on the SDK, nothing stands on the app or the server. */
const packages = [
  { name: "app", path: "packages/app/src/", imports: ["sdk", "core"] },
  { name: "server", path: "packages/server/src/", imports: ["core"] },
  { name: "sdk", path: "packages/sdk/src/", imports: ["core"] },
  { name: "core", path: "packages/core/src/", imports: [] },
]

/**
 * The server's layers, highest first. An entry is a folder (`http/`) or a file; a file belongs to the
 * layer of its longest matching entry, so `config/live-config.ts` sits below the rest of `config/`.
 */
const serverLayers = [
  { name: "entry", paths: ["cli/", "index.ts"] },
  { name: "assembly", paths: ["start.ts", "app-layer.ts", "lifecycle.ts"] },
  { name: "http", paths: ["http/"] },
  { name: "services", paths: ["stream/", "health/", "config/"] },
  { name: "event", paths: ["event/"] },
  {
    name: "base",
    paths: ["config/live-config.ts", "config/bind-policy.ts", "observability/", "data-dir/", "version.ts"],
  },
]

const TESTS = "\\.test\\.tsx?$"
const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
const SERVER = packages.find((entry) => entry.name === "server").path

/** Regular expressions for one server layer: its entries, minus longer entries of other layers inside them. */
const serverLayer = (layer) => {
  const entry = (path) => `^${literal(SERVER + path)}${path.endsWith("/") ? "" : "$"}`
  const others = serverLayers.filter((other) => other !== layer).flatMap((other) => other.paths)
  const inside = others.filter((other) =>
    layer.paths.some((own) => own.endsWith("/") && other.startsWith(own)),
  )
  return {
    path: layer.paths.map(entry),
    pathNot: [TESTS, ...inside.map(entry)],
  }
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Files that import each other cannot be understood, tested or moved one at a time.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "A relative import that names no file is a leftover of a move or rename.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      // Relative paths only: a package that is not installed is the typecheck's to report.
      to: { couldNotResolve: true, path: "^\\.\\.?/" },
    },
    ...packages.flatMap((from) =>
      packages
        .filter((to) => to !== from && !from.imports.includes(to.name))
        .map((to) => ({
          name: `${from.name}-not-to-${to.name}`,
          comment: `@tether/${from.name} may not import @tether/${to.name}.`,
          severity: "error",
          from: { path: `^${literal(from.path)}`, pathNot: TESTS },
          to: { path: `^${literal(to.path)}` },
        })),
    ),
    {
      name: "sdk-only-core-wire",
      comment:
        "The SDK has no runtime dependencies: of @tether/core it imports the wire types alone, never zod.",
      severity: "error",
      from: { path: "^packages/sdk/src/", pathNot: TESTS },
      to: { path: "^packages/core/src/", pathNot: "^packages/core/src/wire/" },
    },
    {
      name: "core-wire-stands-alone",
      comment: "@tether/core/wire is the dependency-free home of the wire contract.",
      severity: "error",
      from: { path: "^packages/core/src/wire/", pathNot: TESTS },
      to: { pathNot: "^packages/core/src/wire/" },
    },
    ...serverLayers.flatMap((lower, index) =>
      serverLayers.slice(0, index).map((higher) => ({
        name: `server-${lower.name}-not-to-${higher.name}`,
        comment: `The server's ${lower.name} layer may not import its ${higher.name} layer, which stands above it.`,
        severity: "error",
        from: serverLayer(lower),
        to: serverLayer(higher),
      })),
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // TypeScript 7 has no JavaScript API for dependency-cruiser; swc parses TS and TSX, type-only imports included.
    parser: "swc",
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@tether/source", "import", "default"],
      extensions: [".ts", ".tsx", ".js"],
    },
  },
}
