// node --test tests/js: the colour scales of "Colour by" (colour-scales.js).
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { categoricalScale, numericScale, toFloats } from "../../src/latent_explorer/web/static/js/colour-scales.js";
import { STEPS } from "../../src/latent_explorer/web/static/js/colors.js";
import { NO_CODE } from "../../src/latent_explorer/web/static/js/plot-palette.js";

test("toFloats turns missing values into NaN", () => {
  const out = toFloats([1, null, 2.5]);
  assert.ok(out instanceof Float32Array);
  assert.equal(out[0], 1);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[2], 2.5);
});

test("a sequential scale spans the values: lowest the first colour, highest the last", () => {
  const s = numericScale([Float32Array.from([0, 5, 10])], false, "petal length");
  assert.equal(s.kind, "numeric");
  assert.equal(s.label, "petal length");
  assert.deepEqual([s.lo, s.hi], [0, 10]);
  assert.equal(s.colors.length, STEPS);
  const codes = s.codesOf(Float32Array.from([0, 10, Number.NaN]));
  assert.deepEqual(Array.from(codes), [0, STEPS - 1, NO_CODE]);
  assert.equal(s.color(0), s.colors[0]);
  assert.equal(s.color(Number.NaN), null);
});

test("one scale over two iterations: a colour means the same number in both", () => {
  const s = numericScale([Float32Array.from([0, 1]), Float32Array.from([9, 10])], false, "x");
  assert.deepEqual([s.lo, s.hi], [0, 10]);
  assert.deepEqual(Array.from(s.codesOf(Float32Array.from([10]))), [STEPS - 1]);
});

test("a few outliers are clipped to the 1st and 99th percentile, and it says so", () => {
  const values = new Float32Array(1000).map((_, i) => i / 1000);
  values[999] = 1000; // one far outlier
  const s = numericScale([values], false, "x");
  assert.ok(s.hi < 1 && s.clippedHi);
  assert.ok(s.lo <= 0.011); // the low end moves to the 1st percentile only
  assert.equal(s.codesOf(Float32Array.from([1000]))[0], STEPS - 1); // beyond: the last colour
});

test("a diverging scale puts the mean in the middle colour", () => {
  const s = numericScale([Float32Array.from([0, 1, 1, 1, 2])], true, "T");
  assert.equal(s.mid, 1);
  assert.equal(s.codesOf(Float32Array.from([1]))[0], Math.round((STEPS - 1) / 2));
  // Constant values still give a usable scale.
  const flat = numericScale([Float32Array.from([3, 3])], false, "c");
  assert.ok(flat.hi > flat.lo);
});

test("categories keep their codes; unknown or missing codes get no colour", () => {
  const s = categoricalScale({ categories: ["a", "b", 3] });
  assert.deepEqual(s.categories, ["a", "b", "3"]);
  assert.deepEqual(Array.from(s.codesOf([0, 2, 3, -1, null, 1.5])), [0, 2, NO_CODE, NO_CODE, NO_CODE, NO_CODE]);
  assert.equal(s.color(1), s.colors[1]);
  assert.equal(s.color(7), null);
});
