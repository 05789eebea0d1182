// Number formatting shared by tables, tooltips and charts, so the same value reads the same
// everywhere.

import { d3 } from "./d3.js";

const fixed3 = d3.format(".3f");
const sig3 = d3.format(".3g");
const signedFixed3 = d3.format("+.3f");
const signedSig2 = d3.format("+.2~g");
const grouped = d3.format(",");

/** Scores in [0, 1] or [-1, 1] read best with three decimals. */
export function formatScore(v) {
  return Number.isFinite(v) ? fixed3(v) : "–";
}

/** Errors span orders of magnitude: three significant digits. */
export function formatError(v) {
  if (!Number.isFinite(v)) return "–";
  return Math.abs(v) >= 1e-3 || v === 0 ? sig3(v) : d3.format(".2~e")(v);
}

export function formatDelta(v, kind) {
  if (!Number.isFinite(v)) return "";
  const text = kind === "score" ? signedFixed3(v) : signedSig2(v);
  // "−0.000" reads like a loss; a change that rounds away is no change.
  return /^[+−-]0(\.0*)?$/.test(text) ? "±0" : text;
}

export function formatCount(v) {
  return Number.isFinite(v) ? grouped(v) : "–";
}

/** Feature values in tooltips: short but without hiding small differences. */
export function formatValue(v) {
  if (typeof v !== "number") return String(v);
  if (Number.isInteger(v)) return String(v);
  return d3.format(".4~g")(v);
}

export function formatLoss(v) {
  return Number.isFinite(v) ? d3.format(".4~g")(v) : "–";
}

export function formatSeconds(s) {
  if (!Number.isFinite(s)) return "";
  return s < 10 ? `${s.toFixed(1)} s` : `${Math.round(s)} s`;
}
