// Builds the notebook widget's front end (src/latent_explorer/widget.py) with esbuild: one ES
// module and one stylesheet in web/static/widget/ (git-ignored, like the vendored d3; `make`
// builds them and the wheel carries them). anywidget loads its module from a blob URL, where
// relative imports cannot resolve, so the page's own modules (scatterplot, brush, legend,
// colours) are bundled into it rather than copied. The page loads d3 as a classic script and
// static/js/d3.js reads window.d3; in the bundle that one module is replaced by d3 from npm, so
// the widget neither needs nor sets a global d3 inside JupyterLab or VS Code.
//
//   node tools/build_widget.mjs

import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const staticDir = resolve(root, "src/latent_explorer/web/static");
const d3Module = resolve(staticDir, "js/d3.js");

const d3FromNpm = {
  name: "d3-from-npm",
  setup(build) {
    build.onResolve({ filter: /(^|\/)d3\.js$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return path === d3Module ? { path, namespace: "d3-from-npm" } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "d3-from-npm" }, () => ({
      contents: 'import * as d3 from "d3";\nexport { d3 };\n',
      resolveDir: root,
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  target: ["es2020"],
};

await esbuild.build({
  ...common,
  entryPoints: [resolve(staticDir, "js/widget/widget.js")],
  outfile: resolve(staticDir, "widget/widget.js"),
  format: "esm",
  plugins: [d3FromNpm],
});
await esbuild.build({
  ...common,
  entryPoints: [resolve(staticDir, "css/widget.css")],
  outfile: resolve(staticDir, "widget/widget.css"),
});
