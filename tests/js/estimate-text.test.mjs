import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateNote, estimateText, estimateTitle, measuredText } from "../../src/latent_explorer/web/static/js/estimate-text.js";

test("an estimate reads value ± half-width, three decimals", () => {
  assert.equal(estimateText({ value: 0.91234, half_width: 0.0041 }), "≈ 0.912 ± 0.004");
  // A tiny interval never reads "± 0.000"; an unknown one is left out; no value is a dash.
  assert.equal(estimateText({ value: 0.9, half_width: 0.0001 }), "≈ 0.900 ± < 0.001");
  assert.equal(estimateText({ value: 0.9, half_width: null }), "≈ 0.900");
  assert.equal(estimateText({ value: null, half_width: null }), "–");
  assert.equal(estimateText(undefined), "–");
  // Once every row is measured the number is exact: no "≈", no interval.
  assert.equal(estimateText({ value: 0.96877, half_width: 0 }, { exact: true }), "0.969");
});

test("how much is measured, and what the title promises", () => {
  assert.equal(measuredText(57, 150), "38% measured");
  assert.equal(measuredText(149, 150), "99% measured");
  assert.equal(measuredText(150, 150), "all points measured");
  assert.equal(measuredText(1, 0), "");
  const title = estimateTitle({ rows_done: 57, rows_total: 70000, eta_s: 12, exact: false });
  assert.match(title, /^Estimate from 57 of 70,000 points \(0% measured, chosen at random\)/);
  assert.match(title, /95% confidence/);
  assert.match(title, /exact value replaces it when all points are measured \(about 12 s left\)\.$/);
  assert.match(estimateTitle({ rows_done: 150, rows_total: 150, exact: true }), /^Exact value over all 150 points/);
  assert.equal(
    estimateNote({ rows_done: 57, rows_total: 150, eta_s: 3, exact: false }),
    "Trustworthiness and continuity of all 150 points, estimated while measuring (≈ value ± 95% interval): " +
      "38% measured · about 3 s left. Exact values follow.",
  );
});
