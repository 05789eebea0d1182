// node --test tests/js: the plots' point queries (brush rectangle, lasso polygon, hover) give
// exactly what a scan of every point gives.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSpatialIndex } from "../../src/latent_explorer/web/static/js/spatial-index.js";
import { polygonContains } from "../../src/latent_explorer/web/static/js/lasso.js";

function points(n, seed = 1) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = rand() * 10 - 5;
    ys[i] = rand() * 10 - 5;
  }
  // Coincident points share a quadtree leaf: each must still be found.
  xs[1] = xs[0];
  ys[1] = ys[0];
  return { xs, ys };
}

test("inRect equals a scan, bounds included, coincident points all found", () => {
  const { xs, ys } = points(5000);
  const index = createSpatialIndex(xs, ys);
  const out = new Int32Array(xs.length);
  for (const [x0, y0, x1, y1] of [
    [-1, -1, 1, 1],
    [-5, -5, 5, 5],
    [xs[0], ys[0], xs[0], ys[0]],
    [2, 2, 1, 1],
  ]) {
    const k = index.inRect(x0, y0, x1, y1, out);
    const got = Array.from(out.subarray(0, k)).sort((a, b) => a - b);
    const want = [];
    for (let i = 0; i < xs.length; i++) if (xs[i] >= x0 && xs[i] <= x1 && ys[i] >= y0 && ys[i] <= y1) want.push(i);
    assert.deepEqual(got, want);
  }
});

test("inPolygon equals the ray-casting test on every point", () => {
  const { xs, ys } = points(4000, 7);
  const index = createSpatialIndex(xs, ys);
  const out = new Int32Array(xs.length);
  const star = [];
  for (let t = 0; t < 40; t++) {
    const r = t % 2 ? 1.5 : 4;
    star.push([r * Math.cos((t * Math.PI) / 20), r * Math.sin((t * Math.PI) / 20)]);
  }
  const k = index.inPolygon(star, out);
  const got = Array.from(out.subarray(0, k)).sort((a, b) => a - b);
  const want = [];
  for (let i = 0; i < xs.length; i++) if (polygonContains(star, xs[i], ys[i])) want.push(i);
  assert.ok(want.length > 100);
  assert.deepEqual(got, want);
  assert.equal(index.inPolygon([[0, 0], [1, 1]], out), 0); // two vertices enclose nothing
});

test("nearest finds the closest point within the radius, else -1", () => {
  const xs = Float32Array.from([0, 1, 5]);
  const ys = Float32Array.from([0, 1, 5]);
  const index = createSpatialIndex(xs, ys);
  assert.equal(index.size, 3);
  assert.equal(index.nearest(0.9, 0.8, 1), 1);
  assert.equal(index.nearest(3, 3, 0.5), -1);
});
