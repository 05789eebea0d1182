// One frame of a scatterplot's points on its canvas (point-layer.js writes the sprites): the
// background or the decoded grid under them, the points in a seeded random order (no class is
// always painted last), the selection on top, larger, or hexagons of density where points
// overlap heavily (density-layer.js), then the marks over them (plot-marks.js): outlines of a
// few selected points, a focused point's neighbours, and Find's rings.

import { countInside, pointRadius, splitRows } from "./plot-geometry.js";
import { drawFound, drawMarks, outlineSelected } from "./plot-marks.js";

export const DIM_ALPHA = 0.2;
export const BASE_ALPHA = 0.8;
export const SELECTED_SCALE = 1.15; // selected points are drawn a little larger, on top
export const OUTLINE_MAX = 500; // outline selected points only while they are few
export const FOUND_RINGS_MAX = 2000; // more rings than this would only smear the picture
export const SHAPES = ["disc", "square", "diamond", "ring"];

/** One shape per palette slot, cycling; the last slot ("unknown") is a disc. */
export function shapesFor(paletteSize) {
  return Array.from({ length: paletteSize }, (_, c) => (c === paletteSize - 1 ? "disc" : SHAPES[c % SHAPES.length]));
}

/** The radius of a point in CSS pixels: by the number of points, growing a little with zoom. */
export function zoomedRadius(n, k) {
  return pointRadius(n) * Math.min(2.5, Math.sqrt(k));
}

export function createPointPainter(layer, density) {
  let chosenRows = new Int32Array(0); // selected rows found by the first pass, reused
  let restRows = new Int32Array(0); // unselected rows of a density frame, reused

  return {
    /**
     * frame: {data, x, y (the positions drawn now), palette, shapes, mask (selection by id or
     * null), densityMode, ax, bx, ay, by (device pixel = value * a + b), k (zoom), dpr, width,
     * height (CSS pixels of the plot area), underPixels (the grid under the points or null),
     * background, marks, rowOf, found (rows of Find's matches or null)}.
     * Returns {visible (points inside the plot area), dense (drawn as density)}.
     */
    paint(frame) {
      const { data, x, y, palette, shapes, mask, ax, bx, ay, by, dpr, width, height } = frame;
      const { n } = data;
      if (chosenRows.length < n) chosenRows = new Int32Array(n);
      if (restRows.length < n) restRows = new Int32Array(n);
      const r = zoomedRadius(n, frame.k) * dpr;
      const common = { x, y, n, color: data.color, palette, ids: data.ids, mask, ax, bx, ay, by, shapes };
      if (frame.underPixels) layer.clearFrom(frame.underPixels);
      else layer.clear(frame.background);
      const W = layer.width;
      const H = layer.height;
      const dense = density.wanted(frame.densityMode, common, W, H, 2 * r);
      let visible = 0;
      let rows;
      let chosen = null;
      if (dense) {
        // Density: the rest (all points without a selection) as hexagons, the selection as
        // points on top, so a selection stays exact and visible however crowded the plot.
        if (mask) ({ chosen: rows } = splitRows(data.order, data.ids, mask, chosenRows, restRows));
        else rows = chosenRows.subarray(0, 0);
        const rest = mask ? restRows.subarray(0, n - rows.length) : data.order;
        density.paint(layer.pixels, W, H, dpr, common, { rows: rest, alpha: mask ? 0.45 : 1 });
        visible = countInside(common, W, H);
        if (rows.length) chosen = layer.paint({ ...common, rows, mask: null, want: -1, radius: r * SELECTED_SCALE, alpha: 1 });
      } else {
        // Unselected first (dimmed when a selection exists), selected on top, larger. Both in a
        // seeded random order (data.order), so no class is always painted last. The first pass
        // lists the selected rows so the second one does not walk all rows again.
        const rest = layer.paint({
          ...common,
          rows: data.order,
          want: mask ? 0 : -1,
          skip: chosenRows,
          radius: r,
          alpha: mask ? DIM_ALPHA : BASE_ALPHA,
        });
        visible = rest.visible;
        rows = chosenRows.subarray(0, mask ? rest.skipped : 0);
        chosen = rows.length
          ? layer.paint({ ...common, rows, mask: null, want: -1, radius: r * SELECTED_SCALE, alpha: 1 })
          : null;
        if (chosen) visible += chosen.visible;
      }
      layer.flush();
      const { ctx } = layer;
      const rCss = r / dpr;
      if (chosen && chosen.painted <= OUTLINE_MAX) outlineSelected(ctx, dpr, rows, common, rCss * SELECTED_SCALE, width, height);
      if (frame.marks) drawMarks(ctx, dpr, frame.marks, frame.rowOf, common, rCss);
      const found = frame.found;
      if (found) drawFound(ctx, dpr, found, Math.min(found.length, FOUND_RINGS_MAX), common, rCss, width, height);
      return { visible, dense };
    },
  };
}
