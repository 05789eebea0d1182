// node --test tests/js: the report's script (static/js/report/report.js, a classic script the
// report inlines, so it cannot import colors.js) restates the page's class palettes; they must
// stay the page's, or a shared report would colour classes differently from the explorer.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { OKABE_ITO, TOL_MUTED } from "../../src/latent_explorer/web/static/js/colors.js";

const source = readFileSync(new URL("../../src/latent_explorer/web/static/js/report/report.js", import.meta.url), "utf8");

function restated(name) {
  const found = source.match(new RegExp(`const ${name} = (\\[[^\\]]*\\]);`));
  assert.ok(found, `${name} not found in report.js`);
  return JSON.parse(found[1]);
}

test("the report's palettes are the page's", () => {
  assert.deepEqual(restated("OKABE_ITO"), OKABE_ITO);
  assert.deepEqual(restated("TOL_MUTED"), TOL_MUTED);
});
