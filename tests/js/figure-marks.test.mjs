// node --test tests/js: a point of an exported figure has the shape and the area it has on
// screen (plot-export.js markAttributes; point-layer.js draws the same shapes on the canvas).
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { markAttributes } from "../../src/latent_explorer/web/static/js/plot-export.js";

test("a disc is a circle of the point's radius, as before shapes existed", () => {
  assert.deepEqual(markAttributes("disc", 10, 20, 4, "#0072b2"), ["circle", { cx: 10, cy: 20, r: 4, fill: "#0072b2" }]);
  assert.equal(markAttributes(undefined, 0, 0, 4, "red")[0], "circle");
});

test("a square has the disc's area and sits centred on the point", () => {
  const [name, a] = markAttributes("square", 10, 20, 4, "red");
  assert.equal(name, "rect");
  assert.equal(a["data-shape"], "square");
  assert.ok(Math.abs(a.width * a.height - Math.PI * 16) < 0.2);
  assert.ok(Math.abs(a.x + a.width / 2 - 10) < 0.01 && Math.abs(a.y + a.height / 2 - 20) < 0.01);
});

test("a diamond's corners are 1.25 r from the centre; a ring is a stroke from 0.6 r to r", () => {
  const [name, a] = markAttributes("diamond", 0, 0, 4, "red");
  assert.equal(name, "polygon");
  assert.equal(a.points, "0,-5 5,0 0,5 -5,0");
  const [ring, b] = markAttributes("ring", 0, 0, 5, "blue");
  assert.equal(ring, "circle");
  assert.equal(b.fill, "none");
  assert.equal(b.stroke, "blue");
  assert.equal(b.r - b["stroke-width"] / 2, 3); // inner edge 0.6 r
  assert.equal(b.r + b["stroke-width"] / 2, 5); // outer edge r
});
