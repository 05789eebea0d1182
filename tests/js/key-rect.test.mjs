// node --test tests/js: the keyboard brush's rectangle (start, move, resize, kept in the view).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MIN,
  moveRect,
  rectAfterKey,
  resizeRect,
  startRect,
} from "../../src/latent_explorer/web/static/js/key-rect.js";

test("a new rectangle covers the middle half of the view", () => {
  assert.deepEqual(startRect(400, 200), { x0: 100, y0: 50, x1: 300, y1: 150 });
});

test("arrows move the rectangle by 5 % of the view and keep its size", () => {
  const r = startRect(400, 200);
  assert.deepEqual(rectAfterKey(r, "ArrowRight", false, 400, 200), { x0: 120, y0: 50, x1: 320, y1: 150 });
  assert.deepEqual(rectAfterKey(r, "ArrowUp", false, 400, 200), { x0: 100, y0: 40, x1: 300, y1: 140 });
  assert.equal(rectAfterKey(r, "Enter", false, 400, 200), null);
});

test("moving stops at the view's edges without shrinking the rectangle", () => {
  let r = startRect(400, 200);
  for (let i = 0; i < 30; i++) r = rectAfterKey(r, "ArrowLeft", false, 400, 200);
  assert.deepEqual(r, { x0: 0, y0: 50, x1: 200, y1: 150 });
  r = moveRect(r, 1000, 1000, 400, 200);
  assert.deepEqual(r, { x0: 200, y0: 100, x1: 400, y1: 200 });
});

test("Shift+arrows resize from the top-left corner, within the view, never below the minimum", () => {
  const r = startRect(400, 200);
  assert.deepEqual(rectAfterKey(r, "ArrowRight", true, 400, 200), { x0: 100, y0: 50, x1: 320, y1: 150 });
  assert.deepEqual(rectAfterKey(r, "ArrowDown", true, 400, 200), { x0: 100, y0: 50, x1: 300, y1: 160 });
  let big = r;
  for (let i = 0; i < 30; i++) big = rectAfterKey(big, "ArrowRight", true, 400, 200);
  assert.equal(big.x1, 400);
  let small = r;
  for (let i = 0; i < 30; i++) small = rectAfterKey(small, "ArrowUp", true, 400, 200);
  assert.equal(small.y1 - small.y0, MIN * 200);
  assert.ok(small.y1 > small.y0);
});

test("a rectangle wider than a shrunken view is cut to the view", () => {
  const r = { x0: 0, y0: 0, x1: 500, y1: 300 };
  assert.deepEqual(moveRect(r, 0, 0, 400, 200), { x0: 0, y0: 0, x1: 400, y1: 200 });
  assert.deepEqual(resizeRect({ x0: 399, y0: 0, x1: 400, y1: 10 }, -50, 0, 400, 200), {
    x0: 399,
    y0: 0,
    x1: 400,
    y1: 10,
  });
});
