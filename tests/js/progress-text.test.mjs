// node --test tests/js: what the progress panel says about a job (progress-panel.js).
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeJob, shortRunNote } from "../../src/latent_explorer/web/static/js/progress-panel.js";

test("a job names its iteration, and a repeated Submit the whole range", () => {
  assert.equal(describeJob("initial", 0), "iteration 0 (all points)");
  assert.equal(describeJob("retrain", 4), "iteration 4 on the selection");
  assert.equal(describeJob("retrain", 4, 1), "iteration 4 on the selection");
  // "× 10" from iteration 2 trains iterations 2 to 11 (it used to say "iteration 2").
  assert.equal(describeJob("retrain", 2, 10), "iterations 2–11 (× 10)");
  // Not yet known (the POST has not answered): no range to name.
  assert.equal(describeJob("retrain", null, 10), "a new iteration on the selection");
});

test("a short run explains the cap only when the epochs were left blank", () => {
  assert.match(shortRunNote(1, { auto: true }), /^ · only 1 epoch: blank epochs are capped by compute/);
  assert.match(shortRunNote(2, { auto: true }), /only 2 epochs:/);
  // The analyst asked for one epoch: nothing to explain.
  assert.equal(shortRunNote(1, { auto: false }), "");
  // A stored iteration: how its epochs were chosen is not known, so only the fact.
  assert.equal(shortRunNote(1), " · only 1 epoch");
  // Long enough runs, or none: no note.
  assert.equal(shortRunNote(4, { auto: true }), "");
  assert.equal(shortRunNote(0, { auto: true }), "");
});
