// node --test tests/js: the lasso's geometry (point in polygon, thinning for the record).
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { polygonContains, thinPolygon } from "../../src/latent_explorer/web/static/js/lasso.js";

const square = [
  [0, 0],
  [4, 0],
  [4, 4],
  [0, 4],
];

test("a point is inside a square, outside it, and inside a concave notch only where filled", () => {
  assert.equal(polygonContains(square, 2, 2), true);
  assert.equal(polygonContains(square, 5, 2), false);
  assert.equal(polygonContains(square, -0.1, 2), false);
  const notch = [
    [0, 0],
    [4, 0],
    [4, 4],
    [2, 1],
    [0, 4],
  ];
  assert.equal(polygonContains(notch, 2, 3), false); // in the notch
  assert.equal(polygonContains(notch, 1, 1), true);
});

test("self-crossing lassos follow the even-odd rule", () => {
  const bowtie = [
    [0, 0],
    [4, 4],
    [4, 0],
    [0, 4],
  ];
  // Two triangles meeting at (2, 2): left and right are inside, top and bottom outside.
  assert.equal(polygonContains(bowtie, 1, 2), true);
  assert.equal(polygonContains(bowtie, 3, 2), true);
  assert.equal(polygonContains(bowtie, 2, 0.5), false);
  assert.equal(polygonContains(bowtie, 2, 3.5), false);
});

test("thinning keeps at most maxPoints vertices, in order, and leaves short ones alone", () => {
  assert.equal(thinPolygon(square, 64), square);
  const long = Array.from({ length: 1000 }, (_, i) => [Math.cos(i / 100), Math.sin(i / 100)]);
  const thin = thinPolygon(long, 64);
  assert.equal(thin.length, 64);
  assert.deepEqual(thin[0], long[0]);
  for (let i = 1; i < thin.length; i++) assert.ok(long.indexOf(thin[i]) > long.indexOf(thin[i - 1]));
});
