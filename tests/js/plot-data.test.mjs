// node --test tests/js: a scatterplot's data record (plot-data.js) and the pure parts of its
// frame (plot-paint.js), extracted from scatterplot.js.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { idOfRow, idsOf, prepareData, rowOfPoint } from "../../src/latent_explorer/web/static/js/plot-data.js";
import { shapesFor, zoomedRadius } from "../../src/latent_explorer/web/static/js/plot-paint.js";
import { shuffledOrder } from "../../src/latent_explorer/web/static/js/plot-geometry.js";

test("typed columns are kept without a copy; plain arrays become typed", () => {
  const x = Float32Array.from([0, 1, 2]);
  const labels = Int32Array.from([0, 2, 1]);
  const data = prepareData({ x, y: [3, 4, 5], labels, iteration: 4 });
  assert.equal(data.x, x);
  assert.equal(data.labels, labels);
  assert.ok(data.y instanceof Float32Array);
  assert.deepEqual(Array.from(data.y), [3, 4, 5]);
  assert.equal(data.n, 3);
  assert.equal(data.iteration, 4);
  assert.equal(data.slots, 3); // classes 0..2
  assert.equal(data.color.length, 3);
  assert.equal(data.index, null);
  assert.deepEqual(Array.from(data.order), Array.from(shuffledOrder(3, 3)));
  assert.equal(prepareData({ x: [], y: [], labels: [] }).iteration, null);
});

test("a missing label (-1) adds no class slot", () => {
  assert.equal(prepareData({ x: [0, 1], y: [0, 1], labels: [-1, 0] }).slots, 1);
  assert.equal(prepareData({ x: [0], y: [0], labels: [-1] }).slots, 0);
});

test("rows and ids: the row of an id, the id of a row, -1 for ids not shown", () => {
  // Plot 2 shows the selected points only: ids 7, 3 and 10 in rows 0, 1 and 2.
  const some = prepareData({ x: [0, 1, 2], y: [0, 1, 2], labels: [0, 0, 1], ids: [7, 3, 10] });
  assert.deepEqual([7, 3, 10, 0, 11, -1, null, undefined].map((id) => rowOfPoint(some, id)), [0, 1, 2, -1, -1, -1, -1, -1]);
  assert.deepEqual([0, 1, 2].map((row) => idOfRow(some, row)), [7, 3, 10]);
  assert.deepEqual(idsOf(some), [7, 3, 10]);
  // Without ids the row is the id.
  const all = prepareData({ x: [0, 1], y: [0, 1], labels: [0, 1] });
  assert.deepEqual([0, 1, 2, -1].map((id) => rowOfPoint(all, id)), [0, 1, -1, -1]);
  assert.equal(idOfRow(all, 1), 1);
  assert.deepEqual(idsOf(all), [0, 1]);
  assert.equal(rowOfPoint(null, 0), -1);
  assert.deepEqual(idsOf(null), []);
});

test("shapes cycle over the class slots; the last slot (unknown) is a disc", () => {
  assert.deepEqual(shapesFor(6), ["disc", "square", "diamond", "ring", "disc", "disc"]);
  assert.deepEqual(shapesFor(3), ["disc", "square", "disc"]);
});

test("points grow with the zoom, at most 2.5 times", () => {
  assert.equal(zoomedRadius(150, 1), 4);
  assert.equal(zoomedRadius(150, 4), 8);
  assert.equal(zoomedRadius(70000, 100), 1.6 * 2.5);
});
