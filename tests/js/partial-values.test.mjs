import assert from "node:assert/strict";
import { test } from "node:test";
import { countKnown, partialNote, sharePercent } from "../../src/latent_explorer/web/static/js/partial-values.js";

test("the points measured so far are the finite values", () => {
  assert.equal(countKnown(new Float32Array([0.5, NaN, 1, NaN])), 2);
  assert.equal(countKnown(new Float32Array(0)), 0);
});

test("the share never reads 100% before the end", () => {
  assert.equal(sharePercent(57, 150), 38);
  assert.equal(sharePercent(149, 150), 99);
  assert.equal(sharePercent(150, 150), 100);
  assert.equal(sharePercent(0, 150), 0);
  assert.equal(sharePercent(3, 0), 0);
});

test("the legend says in words how much of each iteration is measured", () => {
  assert.equal(partialNote([]), "");
  assert.equal(
    partialNote([{ k: 1, done: 57, total: 150 }]),
    "Iteration 1: 38% of points measured so far (pale grey: not yet)",
  );
  assert.equal(
    partialNote([
      { k: 0, done: 0, total: 150 },
      { k: 2, done: 75, total: 150 },
    ]),
    "Iteration 0: 0% of points measured so far; Iteration 2: 50% of points measured so far (pale grey: not yet)",
  );
  // A cancelled or failed measure job: what was measured stays, and no more is promised.
  assert.equal(
    partialNote([{ k: 1, done: 57, total: 150 }], { stopped: true }),
    "Iteration 1: 38% of points measured before measuring stopped (pale grey: not measured)",
  );
});
