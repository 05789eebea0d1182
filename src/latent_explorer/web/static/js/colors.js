// Class colours, safe for colour-blind readers as far as any palette can be: Okabe and Ito's
// eight colours (distinct under protanopia, deuteranopia and tritanopia; yellow last, it is
// faint on white) up to 8 classes, Paul Tol's "muted" nine plus black up to 10, and beyond
// that an evenly sampled Turbo ramp (no palette keeps 11+ hues apart; "Shapes" helps there).

import { d3 } from "./d3.js";

export const OKABE_ITO = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442"];
export const TOL_MUTED = ["#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255", "#aa4499", "#000000"];

export function classColors(nClasses) {
  const n = Math.max(1, nClasses | 0);
  if (n <= 8) return OKABE_ITO.slice(0, n);
  if (n <= 10) return TOL_MUTED.slice(0, n);
  return d3.quantize((t) => d3.interpolateTurbo(0.08 + 0.84 * t), n).map((c) => d3.color(c).formatHex());
}

// The colour for a point whose label is outside the class list (should not happen).
export const UNKNOWN_COLOR = "#888888";

// ---- value scales (colour-by.js, decoded-grid.js, neighbours-view.js) ------------------------
// Points are drawn from a palette of slots, so a continuous scale is sampled into STEPS
// colours once; 256 steps are finer than the eye can tell apart on a dot of three pixels.
export const STEPS = 256;

// Viridis without its last, palest tenth: a yellow dot on white paper is hard to see.
export const sequential = (t) => d3.interpolateViridis(0.9 * Math.max(0, Math.min(1, t)));

// Red (worse than typical) through a mid grey (typical) to blue (better). The usual diverging
// schemes are nearly white in the middle, which would make typical points vanish on white.
const DIVERGING_STOPS = ["#b2182b", "#e0795f", "#a7a9ac", "#6aa2cd", "#2166ac"];
export const diverging = d3.interpolateRgbBasis(DIVERGING_STOPS);

/** STEPS css colours sampled from an interpolator over [0, 1]. */
export function sampleRamp(interpolate, steps = STEPS) {
  return Array.from({ length: steps }, (_, i) => d3.color(interpolate(i / (steps - 1))).formatHex());
}

// Neighbour marks: blue while the neighbour is still near in the other space, through violet,
// to red once it is far (its rank there is many times k).
export const rankRamp = d3.interpolateRgbBasis(["#2563eb", "#8b5cf6", "#e11d48"]);
