import assert from "node:assert/strict";
import { test } from "node:test";
import { etaSeconds, etaText } from "../../src/latent_explorer/web/static/js/eta.js";

test("the pace since the first event, times what is left", () => {
  // Epoch 2 seen at t=1 s, epoch 12 at t=6 s: 0.5 s an epoch, 88 epochs to go.
  assert.equal(etaSeconds({ startMs: 1000, startDone: 2, nowMs: 6000, done: 12, total: 100 }), 44);
  assert.equal(etaSeconds({ startMs: 1000, startDone: 2, nowMs: 1000, done: 2, total: 100 }), null);
  assert.equal(etaSeconds({ startMs: 0, startDone: 0, nowMs: 5000, done: 100, total: 100 }), null);
  assert.equal(etaText(44), "about 44 s left");
  assert.equal(etaText(400), "about 7 min left");
  assert.equal(etaText(0.2), "less than a second left");
  assert.equal(etaText(null), "");
});
