// node --test tests/js: the shared frame and class groups of "Seeds, aligned" (seed-multiples.js).
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { byClass, sharedExtent } from "../../src/latent_explorer/web/static/js/seed-multiples.js";

test("sharedExtent is one square frame over every seed, skipping non-finite values", () => {
  const xs = [Float32Array.of(0, 2, NaN), Float32Array.of(-2, 1, 0)];
  const ys = [Float32Array.of(0, 1, 5), Float32Array.of(0, 0, Infinity)];
  // x spans -2..2 (4), y spans 0..1: the frame is 4 wide both ways, centred on each.
  assert.deepEqual(sharedExtent(xs, ys), [-2, 2, -1.5, 2.5]);
});

test("sharedExtent of nothing drawable is a unit frame", () => {
  assert.deepEqual(sharedExtent([Float32Array.of(NaN)], [Float32Array.of(1)]), [0, 1, 0, 1]);
});

test("byClass groups ids by label, with labels outside the classes last", () => {
  assert.deepEqual(byClass([1, 0, 1, 7, -1], 2), [[1], [0, 2], [3, 4]]);
});
