// node --test tests/js: the one selection shared by all views (replace, add, subtract,
// previews, snapshots) and the record of how it was made.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSelection } from "../../src/latent_explorer/web/static/js/selection.js";

test("replace, add and subtract combine ids; the sorted list and size follow", () => {
  const s = createSelection();
  const events = [];
  s.on("change", (e) => events.push(e));
  s.replace([5, 1, 3], { method: "ids", params: {} });
  s.add([2, 3], { method: "ids", params: {} });
  s.subtract([1], { method: "ids", params: {} });
  assert.deepEqual(s.toSortedArray(), [2, 3, 5]);
  assert.equal(s.size, 3);
  assert.equal(s.has(5) && !s.has(1), true);
  assert.equal(events.length, 3);
  s.clear();
  assert.equal(s.size, 0);
  assert.equal(s.how, null);
});

test("invalid ids (negative, fractional) are ignored; large ids grow the mask", () => {
  const s = createSelection();
  s.replace([-1, 2.5, 70_000, 4], null);
  assert.deepEqual(s.toSortedArray(), [4, 70_000]);
});

test("class picks that only add stay one class record", () => {
  const s = createSelection();
  s.replace([0, 1], { method: "class", params: { classes: [3] } });
  s.add([2], { method: "class", params: { classes: [5] } });
  assert.equal(s.how.method, "class");
  assert.deepEqual(s.how.params.classes, [3, 5]);
});

test("a preview shows a result and endPreview restores the selection before it", () => {
  const s = createSelection();
  s.replace([1, 2], { method: "ids", params: {} });
  s.preview("add", [9]);
  assert.equal(s.previewing, true);
  assert.deepEqual(s.toSortedArray(), [1, 2, 9]);
  s.endPreview();
  assert.equal(s.previewing, false);
  assert.deepEqual(s.toSortedArray(), [1, 2]);
});

test("snapshot and restore round-trip ids and record", () => {
  const s = createSelection();
  s.replace([7, 3], { method: "brush", params: { x0: 0 } });
  const snap = s.snapshot();
  s.clear();
  s.restore(snap);
  assert.deepEqual(s.toSortedArray(), [3, 7]);
  assert.equal(s.how.method, "brush");
  assert.throws(() => s.apply("xor", [1], null), /unknown selection op/);
});
