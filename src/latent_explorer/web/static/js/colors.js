// Class colours: Tableau10 while it lasts (distinct, colour-blind friendlier), otherwise an
// evenly sampled Turbo ramp, trimmed at both ends where it turns too dark to read.

import { d3 } from "./d3.js";

export function classColors(nClasses) {
  const n = Math.max(1, nClasses | 0);
  if (n <= 10) return d3.schemeTableau10.slice(0, n);
  return d3.quantize((t) => d3.interpolateTurbo(0.08 + 0.84 * t), n).map((c) => d3.color(c).formatHex());
}

// The colour for a point whose label is outside the class list (should not happen).
export const UNKNOWN_COLOR = "#888888";
