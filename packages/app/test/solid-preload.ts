/**
 * Lets `bun test` run Solid components: Bun's own JSX transform targets React-style runtimes, while
 * Solid compiles JSX into real DOM templates. This plugin hands every `.tsx` file of this package to
 * babel with the same preset vite-plugin-solid uses (`babel-preset-solid`, `generate: "dom"`), after
 * stripping the types with `@babel/preset-typescript`.
 *
 * It also registers happy-dom's globals (`window`, `document`, `requestAnimationFrame`, …) so the
 * DOM build of Solid has a document to render into.
 */
import { transformAsync } from "@babel/core"
import { GlobalRegistrator } from "@happy-dom/global-registrator"
import { plugin } from "bun"

GlobalRegistrator.register({ url: "http://127.0.0.1:4096/" })

plugin({
  name: "solid-jsx",
  setup(build) {
    build.onLoad({ filter: /\.tsx$/ }, async ({ path }) => {
      const source = await Bun.file(path).text()
      const result = await transformAsync(source, {
        filename: path,
        babelrc: false,
        configFile: false,
        sourceMaps: "inline",
        presets: [
          ["babel-preset-solid", { generate: "dom", hydratable: false }],
          ["@babel/preset-typescript", { onlyRemoveTypeImports: true }],
        ],
      })
      if (!result?.code) throw new Error(`solid-preload: babel produced no code for ${path}`)
      return { contents: result.code, loader: "js" }
    })
  },
})
