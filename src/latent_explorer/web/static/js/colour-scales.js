// The colour scales of "Colour by" (colour-by.js), pure (no DOM; unit-tested with node --test
// tests/js/colour-scales.test.mjs): a numeric scale over the values of one or more iterations
// (sequential, or diverging around the mean; outliers clipped), and a categorical one. Each
// turns values into palette codes for the plots (plot-palette.js) and says the colour of a value.

import { classColors, diverging, sampleRamp, sequential, STEPS } from "./colors.js";
import { NO_CODE } from "./plot-palette.js";

/** null -> NaN, as Float32Array: the values of an attribute or a per-point metric. */
export function toFloats(values) {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] === null ? NaN : values[i];
  return out;
}

/**
 * A numeric scale over several arrays of values: [lo, hi] is their extent, clipped to the 1st
 * and 99th percentile when a few outliers would otherwise squeeze everything else into one
 * colour. Diverging: centred on the mean, red below and blue above.
 */
export function numericScale(arrays, isDiverging, label) {
  const finite = [];
  let sum = 0;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        finite.push(v);
        sum += v;
      }
    }
  }
  const sorted = Float64Array.from(finite).sort();
  const n = sorted.length;
  const q = (p) => (n ? sorted[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))] : 0);
  let lo = n ? sorted[0] : 0;
  let hi = n ? sorted[n - 1] : 1;
  const q01 = q(0.01);
  const q99 = q(0.99);
  let clippedLo = false;
  let clippedHi = false;
  if (q99 - q01 < 0.5 * (hi - lo)) {
    clippedLo = q01 > lo;
    clippedHi = q99 < hi;
    lo = q01;
    hi = q99;
  }
  if (!(hi > lo)) hi = lo + 1e-9;
  const mean = n ? sum / n : 0;
  const mid = Math.min(hi, Math.max(lo, mean));
  const ramp = isDiverging ? diverging : sequential;
  const colors = sampleRamp(ramp, STEPS);
  // Value -> position in [0, 1]: linear, or two linear halves meeting at the mean.
  const position = isDiverging
    ? (v) => (v <= mid ? (mid > lo ? 0.5 * ((v - lo) / (mid - lo)) : 0.5) : hi > mid ? 0.5 + 0.5 * ((v - mid) / (hi - mid)) : 0.5)
    : (v) => (v - lo) / (hi - lo);
  const slot = (v) => Math.max(0, Math.min(STEPS - 1, Math.round(position(v) * (STEPS - 1))));
  return {
    kind: "numeric",
    label,
    lo,
    hi,
    mid,
    clippedLo,
    clippedHi,
    diverging: isDiverging,
    colors,
    ramp,
    /** The colour of a value on this scale (decoded-grid.js draws tiles with it). */
    color: (v) => (Number.isFinite(v) ? colors[slot(v)] : null),
    codesOf(values) {
      const codes = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        codes[i] = Number.isFinite(v) ? slot(v) : NO_CODE;
      }
      return codes;
    },
  };
}

/** A colour per category of an attribute (the class palette); codes outside it are NO_CODE. */
export function categoricalScale(answer) {
  const categories = answer.categories.map(String);
  const colors = classColors(categories.length);
  return {
    kind: "categorical",
    categories,
    colors,
    color: (c) => colors[c] ?? null,
    codesOf(codes) {
      const out = new Uint16Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i];
        out[i] = Number.isInteger(c) && c >= 0 && c < categories.length ? c : NO_CODE;
      }
      return out;
    },
  };
}
