// A scatterplot's picture as numbers, for the modules that redraw or measure it elsewhere: its
// geometry (plot-export.js draws the same points, colours, shapes and Find rings into a
// figure; the benchmark's baseline painter paints the points), a draw on demand and the ids in a rectangle (scale-hook.js: the scale test and
// the browser benchmark).

import { UNKNOWN_COLOR } from "./colors.js";
import { linear } from "./plot-geometry.js";
import { FOUND_RINGS_MAX, shapesFor } from "./plot-paint.js";

/**
 * render: plot-render.js; interaction: plot-interaction.js; shown(): {data, colors (class
 * colours), coloring (a colour-by scale or null), shapes (bool), found (Find's rows or null)}.
 */
export function createPlotSnapshotApi({ render, interaction, canvas, shown }) {
  return {
    /** Draw now instead of at the next animation frame; returns the stats. */
    drawNow: () => render.draw(),

    /** Ids inside a rectangle of the plot area given as fractions [fx0, fy0, fx1, fy1]. */
    idsInFraction([fx0, fy0, fx1, fy1]) {
      const { width, height } = render;
      return interaction.idsInRect({ x0: fx0 * width, y0: fy0 * height, x1: fx1 * width, y1: fy1 * height });
    },

    /** What a benchmark needs to paint the same points another way (no copies). */
    geometry() {
      const { data, colors, coloring, shapes, found } = shown();
      // CSS colours per palette slot, as plot-palette.js packs them: the colour-by scale or the
      // class colours, and "unknown" last.
      const slots = coloring ? coloring.colors : Array.from({ length: data?.slots ?? 0 }, (_, c) => colors[c] || UNKNOWN_COLOR);
      const slotColors = [...slots, coloring?.unknown || UNKNOWN_COLOR];
      const [ax, bx] = linear(render.zx, 1);
      const [ay, by] = linear(render.zy, 1);
      return {
        canvas: canvas.node(),
        n: data ? data.n : 0,
        x: data?.x,
        y: data?.y,
        labels: data?.labels,
        ids: data?.ids,
        colors: colors.slice(),
        unknownColor: UNKNOWN_COLOR,
        color: data?.color, // palette slot per row
        slotColors,
        shapes: shapes ? shapesFor(slotColors.length) : null, // a shape per slot, or null: discs
        found: found ? found.subarray(0, FOUND_RINGS_MAX) : null, // rows ringed by Find
        ax,
        bx,
        ay,
        by,
        width: render.width,
        height: render.height,
        dpr: render.dpr,
        radius: data ? render.radius(data.n) : 0,
      };
    },
  };
}
