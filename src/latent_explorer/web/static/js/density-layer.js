// The density mode of a scatterplot: where points overlap heavily, hexagons coloured by the
// mean colour of their points (their classes mixed, never the last one drawn) and shaded by how
// many there are (hex-density.js). "auto" switches it on when at least AUTO_SHARE of the points
// in view hide under others, "on" and "off" force it. The hexagon grid and the cell of every
// pixel are kept per canvas size, so a redraw is one binning pass and one pass over the pixels.
//
//   const density = createDensityLayer();
//   density.wanted(mode, frame, width, height, diameter) -> bool
//   density.paint(pixels, W, H, frame, {rows, alpha})

import { binHexes, hexGrid, overlapShare, pixelCells, rasterHexes } from "./hex-density.js";

// Over half the points hidden under others: a picture of points then mostly shows draw order.
export const AUTO_SHARE = 0.5;
// Few points never need it: below this, every point is drawn and can be seen.
const MIN_POINTS = 2000;

export function createDensityLayer() {
  let grid = null;
  let cells = null;
  let key = "";
  let acc = null;
  let share = 0;

  function gridFor(W, H, dpr) {
    // Hexagons about 1/55 of the plot across (5-8 CSS px on a laptop), never under 3 px.
    const r = Math.max(3 * dpr, Math.min(W, H) / 110);
    const k = `${W}x${H}|${r}`;
    if (k !== key) {
      key = k;
      grid = hexGrid(W, H, r);
      cells = pixelCells(grid, W, H);
      acc = null;
    }
    return grid;
  }

  return {
    /** Whether this frame should be drawn as density; `frame` is the points' device geometry. */
    wanted(mode, frame, W, H, diameter) {
      if (mode === "on") return frame.n > 0;
      if (mode !== "auto" || frame.n < MIN_POINTS) {
        share = 0;
        return false;
      }
      share = overlapShare(frame, W, H, diameter);
      return share >= AUTO_SHARE;
    },
    /** The overlap share measured by the last wanted("auto", ...). */
    get share() {
      return share;
    },
    /** Bin `rows` (or all points) and blend the hexagons into the opaque pixel buffer. */
    paint(pixels, W, H, dpr, frame, { rows = null, alpha = 1 } = {}) {
      const g = gridFor(W, H, dpr);
      acc = binHexes(g, { ...frame, rows }, acc);
      rasterHexes(pixels, cells, acc, { alpha });
      return { binned: acc.binned, maxCount: acc.max, radius: g.r / dpr };
    },
  };
}
