// A scatterplot's colours as pixel words: one packed colour per class present in the data (or
// per colour of a colour-by scale) plus a last "unknown" slot, and each row's slot. Points are
// painted from these slots (point-layer.js), so recolouring 70,000 points is one pass over a
// Uint16Array, not a CSS colour per point.

import { d3 } from "./d3.js";
import { UNKNOWN_COLOR } from "./colors.js";
import { packColor } from "./point-layer.js";

// A colour-by code for a point without a value (drawn in the "unknown" grey).
export const NO_CODE = 0xffff;

export function pixelOf(css) {
  const c = d3.rgb(css);
  return packColor(c.r | 0, c.g | 0, c.b | 0);
}

/** The palette: coloring {colors} wins over the class colours; slots = classes in the data.
 * The last slot is for points without a value: coloring.unknown, or the "unknown" grey. */
export function buildPalette({ coloring, colors, slots }) {
  const list = coloring ? coloring.colors : Array.from({ length: slots }, (_, c) => colors[c] || UNKNOWN_COLOR);
  const palette = new Uint32Array(list.length + 1);
  list.forEach((css, c) => {
    palette[c] = pixelOf(css);
  });
  palette[list.length] = pixelOf(coloring?.unknown || UNKNOWN_COLOR);
  return palette;
}

/** Fill data.color: each row's class, or its colour-by code (by id); the last slot is "unknown". */
export function recolorRows(data, coloring) {
  const { n, labels, color, slots, ids } = data;
  if (coloring) {
    const { codes } = coloring;
    const unknown = coloring.colors.length;
    for (let i = 0; i < n; i++) {
      const id = ids ? ids[i] : i;
      const c = id < codes.length ? codes[id] : NO_CODE;
      color[i] = Math.min(c, unknown);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    color[i] = c >= 0 && c < slots ? c : slots;
  }
}
