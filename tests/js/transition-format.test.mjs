// node --test tests/js: animated moves (tween, interpolation) and number formatting.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { createTween, lerpArray } from "../../src/latent_explorer/web/static/js/transition.js";
import {
  formatCount,
  formatDelta,
  formatError,
  formatScore,
  formatSeconds,
  formatValue,
} from "../../src/latent_explorer/web/static/js/format.js";

test("a tween runs from 0 to 1 over its duration on the given clock", () => {
  let t = 100;
  const tween = createTween({ duration: 800, ease: (x) => x, now: () => t });
  assert.equal(tween.value(), 0);
  t = 500;
  assert.equal(tween.value(), 0.5);
  assert.equal(tween.done(), false);
  t = 2000;
  assert.equal(tween.value(), 1);
  assert.equal(tween.done(), true);
  assert.equal(createTween({ duration: 0, now: () => 0 }).done(), true);
});

test("lerpArray interpolates in place and lands exactly on the end", () => {
  const a = Float32Array.from([0, 10]);
  const b = Float32Array.from([4, -10]);
  const out = new Float32Array(2);
  assert.deepEqual(Array.from(lerpArray(out, a, b, 0.25)), [1, 5]);
  assert.deepEqual(Array.from(lerpArray(out, a, b, 1)), [4, -10]);
});

test("formats read the same everywhere", () => {
  assert.equal(formatScore(0.91234), "0.912");
  assert.equal(formatScore(Number.NaN), "–");
  assert.equal(formatError(0.012345), "0.0123");
  assert.equal(formatError(0.00001234), "1.23e-5");
  assert.equal(formatDelta(0.0001, "score"), "±0");
  assert.equal(formatDelta(0.0123, "score"), "+0.012");
  assert.equal(formatCount(70000), "70,000");
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue("setosa"), "setosa");
  assert.equal(formatSeconds(3.21), "3.2 s");
  assert.equal(formatSeconds(42.4), "42 s");
});
