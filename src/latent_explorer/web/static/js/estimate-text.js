// Words and numbers for the estimates a measure job streams while its exact pass over all
// points runs ("estimates" events): "≈ 0.912 ± 0.004" in the metrics table, with a title that
// says how much is measured and that the exact value follows. Pure (node --test tests/js).

import { etaText } from "./eta.js";

const fixed3 = (v) => v.toFixed(3);

/** The half-width as shown: at least 0.001, so a tiny interval never reads "± 0.000". */
function halfWidthText(h) {
  return h < 0.0005 ? "< 0.001" : fixed3(h);
}

/**
 * A table cell's text for one estimate {value, half_width}: "≈ 0.912 ± 0.004"; "≈ 0.912"
 * while the interval is unknown (null: too few rows); the plain value once it is exact
 * (`exact`: every row measured, half-width 0); "–" without a value.
 */
export function estimateText(estimate, { exact = false } = {}) {
  const value = estimate?.value;
  if (!Number.isFinite(value)) return "–";
  if (exact) return fixed3(value);
  const h = estimate.half_width;
  return Number.isFinite(h) ? `≈ ${fixed3(value)} ± ${halfWidthText(h)}` : `≈ ${fixed3(value)}`;
}

/** "38% measured" (never 100% before the end: 99.6% reads 99%). */
export function measuredText(rowsDone, rowsTotal) {
  if (!(rowsTotal > 0)) return "";
  if (rowsDone >= rowsTotal) return "all points measured";
  return `${Math.floor((100 * rowsDone) / rowsTotal)}% measured`;
}

/**
 * The title of an estimate cell, from an "estimates" event's data: what the number is, how
 * much of the data it rests on, and that the exact value replaces it.
 */
export function estimateTitle(data) {
  const done = Number(data?.rows_done) || 0;
  const total = Number(data?.rows_total) || 0;
  if (data?.exact) {
    return `Exact value over all ${total.toLocaleString("en-US")} points; the full table follows in a moment.`;
  }
  const left = etaText(data?.eta_s ?? null);
  return (
    `Estimate from ${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} points ` +
    `(${measuredText(done, total)}, chosen at random); the true value lies within ± the second number ` +
    `with 95% confidence. The exact value replaces it when all points are measured${left ? ` (${left})` : ""}.`
  );
}

/**
 * One line for the panel's note, naming what the estimates are of (a sampled table beside them
 * counts fewer points): "Trustworthiness and continuity of all 10,000 points, estimated while
 * measuring (≈ value ± 95% interval): 38% measured · about 12 s left. Exact values follow."
 */
export function estimateNote(data) {
  const total = Number(data?.rows_total) || 0;
  const all = `all ${total.toLocaleString("en-US")} points`;
  if (data?.exact) return `Trustworthiness and continuity of ${all} are measured: the exact table follows in a moment.`;
  const left = etaText(data?.eta_s ?? null);
  const parts = [measuredText(data?.rows_done, total), left].filter(Boolean);
  return (
    `Trustworthiness and continuity of ${all}, estimated while measuring (≈ value ± 95% interval): ` +
    `${parts.join(" · ")}. Exact values follow.`
  );
}
