// A 2-D scatterplot of latent coordinates, used three times on the page (four with the PCA).
//
// Points are painted on a <canvas> (thousands of SVG circles would be slow) by point-layer.js,
// which writes small disc sprites into one ImageData: 70,000 points take a few milliseconds.
// Axes, the brush, the lasso and the hover ring live on an SVG laid over it. Hit-testing and
// brush / lasso queries use spatial-index.js (a d3.quadtree built once per data set) in data
// space, never the DOM. Every change only schedules one redraw per animation frame.
//
// This module builds the plot's DOM, owns what it shows (data, selection, colours, marks) and
// answers the API below; the parts are modules by concept: plot-header.js (title, buttons),
// plot-data.js (the data record), plot-render.js (size, scales, the frame), plot-paint.js
// (points, density and marks), plot-interaction.js (zoom, brush, lasso, hover, clicks) and
// plot-motion.js (the animated move).
//
// Optional layers, all drawn in data space so zooming keeps them in place:
//   - an underlay under the points (the decoded grid): rendered once per view into an
//     offscreen canvas, read back as pixels, and used instead of the plain background when
//     the point buffer is cleared, so points keep their true colours on top of it (and a plot
//     without an underlay costs nothing extra);
//   - marks over the points (a focused point, lines to its neighbours, rings coloured per
//     neighbour);
//   - colours per point id from any value (colour-by.js) instead of the class colours;
//   - an animated move from other coordinates of the same points (transition.js).
//
//   const plot = createScatterplot(el, {title: "..."});
//   plot.on("select", ({ids, method, params}) => ...);   // brush / lasso gesture finished
//   plot.on("preview", ({ids, method}) => ...);          // brush being dragged; ids null: abandoned
//   plot.on("hover", ({id, clientX, clientY}) => ...);   // id is null when leaving a point
//   plot.on("probe", (p) => ...);     // pointer over empty space: {x, y, clientX, clientY, iteration}; null: left it
//   plot.on("pointclick", ({id}) => ...);                // Shift/Ctrl/Cmd+click on a point in pan mode
//   plot.on("pointfocus", ({id}) => ...);                // plain click on a point in pan mode
//   plot.on("emptyclick", () => ...);                    // plain click on empty space in pan mode
//   plot.on("data", ({iteration, n}) => ...);            // new data, before its first draw
//   plot.on("view", () => ...);                          // zoom / pan / size settled
//   plot.on("transition", ({running}) => ...);           // an animated move started / ended
//   plot.on("draw", ({pointsDrawn, visiblePoints, gesture, density}) => ...);
//   plot.on("enlarge", ({name}) => ...);                 // its Enlarge button (opts.enlargeable)
//   plot.setData({x, y, labels, ids, iteration}, {from: {x, y}}); plot.setSelection(setOrView);
//   plot.setHover(id); plot.setMode("pan" | "brush" | "lasso"); plot.resetZoom();
//   plot.setColoring({codes, colors} | null); plot.setMarks({...} | null);
//   plot.setUnderlay({image, x, y, smooth, tiles} | null); plot.setAnimate(bool);
//   plot.setFound(ids | null); plot.setDensity("auto" | "on" | "off"); plot.setEnlarged(bool);
//
// Draw order never decides which class is visible: points are painted in a seeded random order
// (plot-geometry.js shuffledOrder), and where they overlap heavily the plot switches to density
// (density-layer.js: hexagons in the mean colour of their points).

import { d3 } from "./d3.js";
import { createDensityLayer } from "./density-layer.js";
import { createEmitter } from "./emitter.js";
import { idsOf, prepareData, rowOfPoint } from "./plot-data.js";
import { createPlotSnapshotApi } from "./plot-snapshot.js";
import { maskOfSet } from "./plot-geometry.js";
import { createPlotHeader } from "./plot-header.js";
import { createPlotInteraction } from "./plot-interaction.js";
import { createPlotMotion } from "./plot-motion.js";
import { createPointPainter } from "./plot-paint.js";
import { buildPalette, recolorRows } from "./plot-palette.js";
import { createPlotRenderer } from "./plot-render.js";
import { createUnderlayLayer } from "./plot-underlay.js";
import { createPointLayer } from "./point-layer.js";
import { createSpatialIndex } from "./spatial-index.js";
import { prefersReducedMotion } from "./transition.js";

export { SHAPES } from "./plot-paint.js";

export function createScatterplot(root, opts = {}) {
  const emitter = createEmitter();
  const container = d3.select(root).classed("scatterplot", true);
  container.selectAll("*").remove();

  // ---- DOM -----------------------------------------------------------------------------------
  const header = createPlotHeader(container, { title: opts.title || "", enlargeable: opts.enlargeable });
  const body = container.append("div").attr("class", "plot-body");
  const canvas = body.append("canvas").attr("class", "plot-canvas");
  const svg = body
    .append("svg")
    .attr("class", "plot-svg")
    .attr("aria-label", plotLabel(opts.title));
  const xAxisG = svg.append("g").attr("class", "axis axis-x");
  const yAxisG = svg.append("g").attr("class", "axis axis-y");
  const inner = svg.append("g").attr("class", "plot-inner");
  const zoomSurface = inner.append("rect").attr("class", "zoom-surface").attr("fill", "transparent");
  const hoverRing = inner
    .append("circle")
    .attr("class", "hover-ring")
    .attr("pointer-events", "none")
    .style("display", "none");
  const emptyEl = body.append("p").attr("class", "plot-empty").text(opts.emptyText || "");

  const layer = createPointLayer(canvas.node());
  const under = createUnderlayLayer(); // the decoded grid, composed offscreen (plot-underlay.js)

  // ---- what the plot shows -------------------------------------------------------------------
  let data = null; // plot-data.js prepareData: columns, ids, palette slots, draw order, index
  let colors = opts.colors || [];
  let palette = new Uint32Array(1);
  let selection = null; // {size, mask} view of the shared selection (mask indexed by id)
  let hoverIndex = -1; // row index of the ring, from setHover
  let mode = "pan";
  let coloring = null; // {codes: Uint16Array slot per id (NO_CODE: none), colors: [css]}, or null: classes
  let marks = null; // {focus: id, ids: [id], colors: [css], strong: [bool]} drawn over the points
  let animate = true; // setData({from}) moves the points from there (plot-motion.js)
  let densityMode = "auto"; // "auto" | "on" | "off" (setDensity)
  let shapes = false; // classes told apart by shape too (setShapes)
  let found = null; // Find's matches: {ids: Int32Array, rows: Int32Array | null (this data's rows)}

  const rowOf = (id) => rowOfPoint(data, id);

  function indexOf() {
    if (!data.index) data.index = createSpatialIndex(data.x, data.y);
    return data.index;
  }

  function foundRows() {
    if (!found.rows) {
      const rows = [];
      for (const id of found.ids) {
        const row = rowOf(id);
        if (row >= 0) rows.push(row);
      }
      found.rows = Int32Array.from(rows);
    }
    return found.rows;
  }

  // ---- the parts -----------------------------------------------------------------------------
  const motion = createPlotMotion({
    emit: emitter.emit,
    setWindow: (w) => render.setBase(w),
    settle() {
      render.updateBaseScales();
      render.schedule();
    },
    schedule: () => render.schedule(),
  });
  const finishTransition = () => motion.finish(data);

  const render = createPlotRenderer({
    dom: { root, container, body, canvas, svg, xAxisG, yAxisG, inner, zoomSurface, hoverRing },
    layer,
    under,
    painter: createPointPainter(layer, createDensityLayer()),
    motion,
    header,
    emit: emitter.emit,
    current: () => ({
      data,
      palette,
      shapes,
      mask: selection && selection.size > 0 ? selection.mask : null,
      densityMode,
      marks,
      rowOf,
      found: found && data ? foundRows() : null,
      hoverIndex,
    }),
    onResize: (w, h) => interaction.resize(w, h),
    gesture: () => interaction.gesture(),
  });
  const schedule = render.schedule;

  // The interaction reads the plot as it is now.
  const interaction = createPlotInteraction({
    plot: Object.defineProperties(
      { index: indexOf },
      {
        data: { get: () => data },
        mode: { get: () => mode },
        moving: { get: () => motion.running },
        zx: { get: () => render.zx },
        zy: { get: () => render.zy },
        width: { get: () => render.width },
        height: { get: () => render.height },
      },
    ),
    svg,
    inner,
    body,
    emitter,
    name: opts.name,
    onZoom: (transform) => render.setTransform(transform),
    finishTransition,
    schedule,
  });

  header.resetButton.on("click", () => api.resetZoom(true));
  header.enlargeButton?.on("click", () => emitter.emit("enlarge", { name: opts.name }));

  const resizeObserver = new ResizeObserver(() => render.layout());
  resizeObserver.observe(body.node());

  function updatePalette() {
    palette = buildPalette({ coloring, colors, slots: data ? data.slots : 0 });
  }

  function recolor() {
    if (data) recolorRows(data, coloring);
  }

  // ---- public API ------------------------------------------------------------------------------
  const api = {
    on: emitter.on,

    setTitle(text) {
      header.setTitle(text);
      svg.attr("aria-label", plotLabel(text));
      return api;
    },

    setEmptyText(text) {
      emptyEl.text(text);
      return api;
    },

    setColors(next) {
      colors = next || [];
      updatePalette();
      schedule();
      return api;
    },

    /**
     * Columns of equal length: x, y (Float32Array views are kept as they are, without a copy),
     * labels, and ids (default: the row numbers). Pass null to clear the plot.
     * options.from: {x, y}, the same points' earlier coordinates, row for row: the points move
     * from there (when animation is on and the lengths agree).
     */
    setData(next, { from = null } = {}) {
      motion.stop();
      if (!next) {
        data = null;
        container.attr("data-iteration", "").classed("is-empty", true);
      } else {
        data = prepareData(next);
        // Building the quadtree of 70,000 points takes tens of milliseconds: do it after the
        // first paint, when the page is idle, or at the first hover / gesture if that is sooner.
        const mine = data;
        whenIdle(() => data === mine && indexOf());
        container.attr("data-iteration", data.iteration ?? "").classed("is-empty", false);
      }
      hoverIndex = -1;
      interaction.reset();
      if (found) found.rows = null;
      // Listeners may colour the new points before their first draw (colour-by.js).
      emitter.emit("data", { iteration: data ? data.iteration : null, n: data ? data.n : 0 });
      recolor();
      updatePalette();
      api.resetZoom(false);
      render.updateBaseScales();
      const moving = from && animate && data && data.n > 0 && from.x?.length === data.n && from.y?.length === data.n;
      if (moving && !prefersReducedMotion()) {
        interaction.leave();
        motion.start(data, from);
      }
      schedule();
      return api;
    },

    /**
     * Colour points by value instead of class: codes (Uint16Array indexed by point id, a slot
     * of `colors` per point, NO_CODE or beyond the array: none, drawn in `unknown`, by default
     * grey). null: classes.
     */
    setColoring(next) {
      coloring = next?.codes && next.colors?.length ? next : null;
      recolor();
      updatePalette();
      schedule();
      return api;
    },

    /** {focus: id, ids: [id], colors: [css], strong: [bool]} drawn over the points, or null. */
    setMarks(next) {
      marks = next?.ids ? next : null;
      schedule();
      return api;
    },

    /**
     * An image under the points over a data-space rectangle: {image (canvas), x: [x0, x1],
     * y: [y0, y1] (y1 at the top), smooth}. null removes it.
     */
    setUnderlay(next) {
      under.set(next);
      container.attr("data-underlay", under.current ? "on" : null);
      schedule();
      return api;
    },

    /** Points matched by Find (ids), ringed in every plot that shows them; null: none. */
    setFound(ids) {
      found = ids?.length ? { ids: Int32Array.from(ids), rows: null } : null;
      schedule();
      return api;
    },

    /** Mark the plot as enlarged (the button's state; the page does the layout). */
    setEnlarged(on) {
      container.classed("is-enlarged", Boolean(on));
      header.setEnlarged(on);
      return api;
    },

    /** Classes told apart by shape too (disc, square, diamond, ring, in turn), or not. */
    setShapes(on) {
      shapes = Boolean(on);
      container.attr("data-shapes", on ? "on" : null);
      schedule();
      return api;
    },

    /** "auto" (density where points overlap heavily), "on" or "off" (always points). */
    setDensity(mode) {
      densityMode = mode === "on" || mode === "off" ? mode : "auto";
      schedule();
      return api;
    },

    /** Whether setData({from}) animates. Turning it off ends a running move. */
    setAnimate(on) {
      animate = Boolean(on);
      if (!animate) finishTransition();
      return api;
    },

    /** The data window now shown: {x: [x0, x1], y: [y0, y1]} (y0 at the bottom). */
    visibleDomain: () => ({ x: render.zx.domain().slice(), y: render.zy.domain().slice() }),
    /** The plot area in CSS pixels. */
    size: () => ({ width: render.width, height: render.height }),
    /** Where point id is drawn, in client (viewport) pixels, or null when not in view. */
    screenPosition(id) {
      const row = rowOf(id);
      const { zx, zy, width, height } = render;
      if (row < 0 || !width) return null;
      const xy = motion.positions(data);
      const px = zx(xy.x[row]);
      const py = zy(xy.y[row]);
      if (!(px >= 0 && px <= width && py >= 0 && py <= height)) return null;
      const box = canvas.node().getBoundingClientRect();
      return [box.left + px, box.top + py];
    },
    iteration: () => (data ? data.iteration : null),
    hasData: () => Boolean(data?.n),
    transitionRunning: () => motion.running,

    /**
     * The shared selection: a view with `size` and `mask` (Uint8Array by id, from
     * selection.js, read while drawing without copying), or any Set of ids.
     */
    setSelection(set) {
      if (!set) selection = null;
      else if (set.mask instanceof Uint8Array) selection = set;
      else selection = maskOfSet(set);
      schedule();
      return api;
    },

    setHover(id) {
      const row = rowOf(id);
      if (row !== hoverIndex) {
        hoverIndex = row;
        render.positionHoverRing();
      }
      return api;
    },

    setMode(next) {
      mode = next === "brush" || next === "lasso" ? next : "pan";
      interaction.setMode(mode);
      container.attr("data-mode", mode);
      return api;
    },

    resetZoom(animate = false) {
      const target = animate ? svg.transition().duration(350) : svg;
      target.call(interaction.zoom.transform, d3.zoomIdentity);
      return api;
    },

    stats: () => ({ ...render.stats() }),
    /** The ids this plot shows (a copy). */
    ids: () => idsOf(data),
    node: () => root,

    // geometry (plot-export.js, benchmarks), drawNow and idsInFraction (scale-hook.js).
    ...createPlotSnapshotApi({
      render,
      interaction,
      canvas,
      shown: () => ({ data, colors, coloring, shapes, found: found && data ? foundRows() : null }),
    }),
  };

  api.setMode("pan");
  render.layout();
  return api;
}

/** The focusable plot's accessible name. */
function plotLabel(title) {
  return title ? `Plot: ${title}` : "Plot";
}

function whenIdle(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 50);
}
