// node --test tests/js: the exported figure's legend layout and caption, the upload dialog's
// plain-language messages, and the neighbours key's far end (pure functions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { figureCaption, legendRows, wrapText } from "../../src/latent_explorer/web/static/js/plot-export.js";
import { createBlocker, plainUploadMessage } from "../../src/latent_explorer/web/static/js/upload-messages.js";
import { shuffledOrder, splitRows, countInside } from "../../src/latent_explorer/web/static/js/plot-geometry.js";

test("legend entries wrap into rows of the figure's width", () => {
  const rows = legendRows([{ name: "setosa" }, { name: "versicolor" }, { name: "virginica" }], 170, 6);
  assert.deepEqual(rows.map((r) => r.row), [0, 0, 1]);
  assert.equal(rows[0].x, 0);
  assert.equal(rows[2].x, 0);
});

test("caption: iteration, points, selection and the metrics as the table shows them", () => {
  const metrics = {
    all: { trustworthiness: 0.97712, continuity: 0.989, neighborhood_hit: 0.86, shepard: 0.986, stress: 0.0834 },
    selected: { n_points: 50, trustworthiness: 0.9, continuity: 0.91, neighborhood_hit: 1, shepard: 0.5, stress: 0.2 },
  };
  const line = figureCaption({ iteration: 2, nPoints: 1500, metrics, selected: 50 });
  assert.equal(
    line,
    "Iteration 2 · 1,500 points · 50 selected. All points: trustworthiness 0.977, continuity 0.989, " +
      "neighbourhood hit 0.860, Shepard ρ 0.986, stress 0.083. Selected: trustworthiness 0.900, " +
      "continuity 0.910, neighbourhood hit 1.000, Shepard ρ 0.500, stress 0.200.",
  );
  assert.match(figureCaption({ iteration: 0, nPoints: 3, metrics: null }), /not measured yet/);
  assert.deepEqual(wrapText("a bb ccc dddd", 60, 6), ["a bb ccc", "dddd"]);
});

test("upload messages speak the dialog's language", () => {
  assert.equal(
    plainUploadMessage("column 'x' has text 'abc' on line 202 (line 202): fix them, remove the column from the features, or set drop_bad_rows=true to drop those rows"),
    "column 'x' has text 'abc' on line 202: fix them, untick the column under “Use”, or tick “Drop rows with bad cells” below",
  );
  assert.equal(plainUploadMessage("line 3 (lines 3, 7)"), "line 3 (lines 3, 7)");
  assert.equal(createBlocker({ name: " ", nFeatures: 2, problems: 0, dropRows: false }), "Give the dataset a name");
  assert.match(createBlocker({ name: "a", nFeatures: 0, problems: 0, dropRows: false }), /at least one feature/);
  assert.match(createBlocker({ name: "a", nFeatures: 2, problems: 1, dropRows: false }), /Drop rows with bad cells/);
  assert.equal(createBlocker({ name: "a", nFeatures: 2, problems: 1, dropRows: true }), "");
});

test("draw order: a seeded permutation, the same every time, every row once", () => {
  const a = shuffledOrder(1000, 1000);
  assert.deepEqual(Array.from(a), Array.from(shuffledOrder(1000, 1000)));
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  // Not the identity: the last rows (one class in a sorted dataset) are spread through it.
  const lastTenth = Array.from(a.subarray(900));
  assert.ok(lastTenth.filter((r) => r >= 900).length < 30);
  const { chosen, rest } = splitRows(Int32Array.from([3, 0, 2, 1]), null, Uint8Array.from([1, 0, 0, 1]), new Int32Array(4), new Int32Array(4));
  assert.deepEqual([Array.from(chosen), Array.from(rest)], [[3, 0], [2, 1]]);
  const frame = { x: Float32Array.from([0, 5, 11]), y: Float32Array.from([0, 5, 5]), n: 3, ax: 1, bx: 0, ay: 1, by: 0 };
  assert.equal(countInside(frame, 10, 10), 2);
});
