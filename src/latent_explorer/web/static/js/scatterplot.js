// A 2-D scatterplot of latent coordinates, used three times on the page (four with the PCA).
//
// Points are painted on a <canvas> (thousands of SVG circles would be slow) by point-layer.js,
// which writes small disc sprites into one ImageData: 70,000 points take a few milliseconds.
// Axes, the brush, the lasso and the hover ring live on an SVG laid over it. Hit-testing and
// brush / lasso queries use spatial-index.js (a d3.quadtree built once per data set) in data
// space, never the DOM. Every change only schedules one redraw per animation frame.
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
import { createEmitter } from "./emitter.js";
import { createPlotHeader } from "./plot-header.js";
import { createBrush } from "./brush.js";
import { createLasso, thinPolygon } from "./lasso.js";
import { UNKNOWN_COLOR } from "./colors.js";
import { createPointLayer, packColor } from "./point-layer.js";
import { createSpatialIndex } from "./spatial-index.js";
import { createTween, lerpArray, prefersReducedMotion } from "./transition.js";
import { countInside, frameOf, linear, maskOfSet, pointRadius, round, shuffledOrder, splitRows } from "./plot-geometry.js";
import { drawFound, drawMarks, outlineSelected } from "./plot-marks.js";
import { createDensityLayer } from "./density-layer.js";
import { createUnderlayLayer } from "./plot-underlay.js";
import { buildPalette, pixelOf, recolorRows } from "./plot-palette.js";

const MARGIN = { top: 8, right: 10, bottom: 24, left: 38 };
const HOVER_RADIUS_PX = 6;
const DIM_ALPHA = 0.2;
const BASE_ALPHA = 0.8;
const SELECTED_SCALE = 1.15; // selected points are drawn a little larger, on top
const OUTLINE_MAX = 500; // outline selected points only while they are few (see draw)
const formatCount = d3.format(",");
const TRANSITION_MS = 800;
export const SHAPES = ["disc", "square", "diamond", "ring"];
const FOUND_RINGS_MAX = 2000; // more rings than this would only smear the picture

export function createScatterplot(root, opts = {}) {
  const emitter = createEmitter();
  const container = d3.select(root).classed("scatterplot", true);
  container.selectAll("*").remove();

  // ---- DOM -----------------------------------------------------------------------------------
  const header = createPlotHeader(container, { title: opts.title || "", enlargeable: opts.enlargeable });
  const { resetButton, enlargeButton } = header;

  const body = container.append("div").attr("class", "plot-body");
  const canvas = body.append("canvas").attr("class", "plot-canvas");
  const svg = body.append("svg").attr("class", "plot-svg");
  const xAxisG = svg.append("g").attr("class", "axis axis-x");
  const yAxisG = svg.append("g").attr("class", "axis axis-y");
  const inner = svg.append("g").attr("class", "plot-inner");
  const zoomSurface = inner.append("rect").attr("class", "zoom-surface").attr("fill", "transparent");
  const hoverRing = inner
    .append("circle")
    .attr("class", "hover-ring")
    .attr("pointer-events", "none")
    .style("display", "none");
  const brushG = inner.append("g").attr("class", "brush-layer");
  const lassoG = inner.append("g").attr("class", "lasso-layer");
  const emptyEl = body.append("p").attr("class", "plot-empty").text(opts.emptyText || "");

  const layer = createPointLayer(canvas.node());
  const ctx = layer.ctx;
  const under = createUnderlayLayer(); // the decoded grid, composed offscreen (plot-underlay.js)

  // ---- state ---------------------------------------------------------------------------------
  let width = 0; // inner plot area in CSS pixels
  let height = 0;
  let dpr = 1; // device pixels per CSS pixel of the canvas as laid out
  let background = packColor(255, 255, 255);
  // {n, x, y: Float32Array; labels: Int32Array; ids: Int32Array or null (row = id);
  //  color: Uint16Array palette slot per row; rowOfId: Int32Array or null; iteration; index}
  let data = null;
  let colors = opts.colors || [];
  let palette = new Uint32Array(1);
  let selection = null; // {size, mask} view of the shared selection (mask indexed by id)
  let hoverIndex = -1; // row index of the ring, from setHover
  let mode = "pan";
  let transform = d3.zoomIdentity;
  let frame = 0;
  let axesKey = "";
  let gesture = null; // the last brush / lasso in data space, for tests (see stats)
  let stats = { iteration: null, pointsDrawn: 0, visiblePoints: 0, gesture: null };
  let lastHoverId = null;
  let hits = new Int32Array(0); // rows of the last query, reused so a moving brush allocates nothing
  let scratch = new Int32Array(0); // selected rows found by the first draw pass
  let coloring = null; // {codes: Uint16Array slot per id (NO_CODE: none), colors: [css]}, or null: classes
  let marks = null; // {focus: id, ids: [id], colors: [css], strong: [bool]} drawn over the points
  let animate = true; // setData({from}) moves the points from there (see startTransition)
  let anim = null; // {x, y (Float32Array, drawn meanwhile), from, tween, start, end} while moving
  let lastProbe = false; // the last pointer move was reported as a probe of empty space
  const density = createDensityLayer();
  let densityMode = "auto"; // "auto" | "on" | "off" (setDensity)
  let shapes = null; // a shape per palette slot (setShapes), or null: discs
  let dense = false; // the last frame was drawn as density
  let restRows = new Int32Array(0); // unselected rows of a density frame, reused
  let found = null; // Find's matches: {ids: Int32Array, rows: Int32Array | null (this data's rows)}

  // One shape per palette slot, cycling; the last slot ("unknown") is a disc.
  function shapeList() {
    if (!shapes) return null;
    return Array.from(palette, (_, c) => (c === palette.length - 1 ? "disc" : SHAPES[c % SHAPES.length]));
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

  const baseX = d3.scaleLinear();
  const baseY = d3.scaleLinear();
  let zx = baseX;
  let zy = baseY;

  // ---- zoom, brush, lasso ----------------------------------------------------------------------
  const zoom = d3
    .zoom()
    .scaleExtent([0.5, 400])
    // Pan/zoom mode gets drag, wheel and double click; brush and lasso keep the wheel only,
    // so one can still zoom in to draw a precise rectangle or lasso.
    .filter((event) => {
      if (mode === "pan") return (!event.ctrlKey || event.type === "wheel") && !event.button;
      return event.type === "wheel";
    })
    .on("start", () => {
      emitHover(null);
      emitProbe(null);
    })
    .on("zoom", (event) => {
      transform = event.transform;
      zx = transform.rescaleX(baseX);
      zy = transform.rescaleY(baseY);
      schedule();
    })
    // Layers that fetch per view (the decoded grid) wait for the gesture to end.
    .on("end", () => emitter.emit("view"));
  svg.call(zoom);

  // A pixel rectangle of the plot area as the data-space rectangle the queries use.
  function dataRect({ x0, y0, x1, y1 }) {
    return { x: [zx.invert(x0), zx.invert(x1)], y: [zy.invert(y1), zy.invert(y0)] };
  }

  /** Ids inside a pixel rectangle; a view of a reused buffer, valid until the next query. */
  function idsInRect(rect) {
    if (!data) return new Int32Array(0);
    const { x, y } = dataRect(rect);
    const k = indexOf().inRect(x[0], y[0], x[1], y[1], hits);
    return rowsToIds(k);
  }

  function rowsToIds(k) {
    if (data.ids) for (let j = 0; j < k; j++) hits[j] = data.ids[hits[j]];
    return hits.subarray(0, k);
  }

  const brush = createBrush(brushG, {
    // While dragging, every move previews its selection in all plots (coalesced per frame by
    // the plots' own redraw scheduling); the query is a quadtree walk, not a scan of all points.
    onMove(rect) {
      if (data) emitter.emit("preview", { ids: idsInRect(rect), method: "brush" });
    },
    onCancel() {
      emitter.emit("preview", { ids: null, method: "brush" });
    },
    onEnd(rect) {
      if (!data) return;
      const ids = Array.from(idsInRect(rect));
      const r = dataRect(rect);
      recordGesture({ method: "brush", x: r.x, y: r.y, count: ids.length });
      emitSelect(ids, "brush", {
        x: [round(r.x[0]), round(r.x[1])],
        y: [round(r.y[0]), round(r.y[1])],
      });
    },
  });

  const lasso = createLasso(lassoG, {
    onEnd(polygon) {
      if (!data) return;
      const inData = polygon.map(([x, y]) => [zx.invert(x), zy.invert(y)]);
      const ids = Array.from(rowsToIds(indexOf().inPolygon(inData, hits)));
      recordGesture({ method: "lasso", polygon: inData, count: ids.length });
      emitSelect(ids, "lasso", {
        polygon: thinPolygon(inData).map(([x, y]) => [round(x), round(y)]),
      });
    },
  });

  // Tests recompute a gesture's selection from the same float64 geometry; it reaches them
  // through the "draw" stats, so a redraw is scheduled even if the selection did not change.
  function recordGesture(g) {
    gesture = g;
    schedule();
  }

  function emitSelect(ids, method, params) {
    emitter.emit("select", {
      ids,
      method,
      params: { ...params, iteration: data.iteration, plot: opts.name || null },
    });
  }

  resetButton.on("click", () => api.resetZoom(true));
  enlargeButton?.on("click", () => emitter.emit("enlarge", { name: opts.name }));

  // ---- hover and click -----------------------------------------------------------------------
  svg
    .on("pointermove", (event) => {
      if (event.buttons) {
        // Panning or drawing a brush / lasso: the tooltip and the decode box would cover the
        // points being selected, so they go (and stay away until the gesture ends).
        emitHover(null);
        emitProbe(null);
        return;
      }
      const at = pointerAt(event);
      const row = at ? findRow(at) : -1;
      emitHover(row, event);
      // Empty space under the pointer: what the decoder makes of it (decode-view.js).
      emitProbe(row < 0 && at && !anim ? at : null, event);
    })
    .on("pointerleave", () => {
      emitHover(null);
      emitProbe(null);
    })
    // A gesture during the move jumps to its end, so hit-testing and drawing agree again.
    .on("pointerdown.transition", () => finishTransition())
    .on("pointerdown.tooltip", () => {
      emitHover(null);
      emitProbe(null);
    })
    .on("click", (event) => {
      if (mode !== "pan" || !data || anim) return;
      const at = pointerAt(event);
      if (!at) return;
      const row = findRow(at);
      // A plain click asks about a point (its neighbours); with a modifier it toggles the
      // point in the selection, as a plain click did before the neighbours existed.
      const modifier = event.shiftKey || event.ctrlKey || event.metaKey;
      if (row >= 0) emitter.emit(modifier ? "pointclick" : "pointfocus", { id: idOf(row), event });
      else if (!modifier) emitter.emit("emptyclick", { event });
    });

  /** The pointer in data space, or null outside the plot area (or without data). */
  function pointerAt(event) {
    if (!data) return null;
    const [mx, my] = d3.pointer(event, inner.node());
    if (mx < 0 || my < 0 || mx > width || my > height) return null;
    return [zx.invert(mx), zy.invert(my)];
  }

  /** The row nearest to a data-space position within the hover radius, or -1. */
  function findRow([x, y]) {
    if (!data || anim) return -1; // while moving, the points are not where the index has them
    const unitsPerPx = Math.abs(zx.invert(1) - zx.invert(0)) || 1;
    return indexOf().nearest(x, y, HOVER_RADIUS_PX * unitsPerPx);
  }

  function indexOf() {
    if (!data.index) data.index = createSpatialIndex(data.x, data.y);
    return data.index;
  }

  const idOf = (row) => (data.ids ? data.ids[row] : row);

  /** The row of point id in this plot, or -1 when the plot does not show it. */
  function rowOf(id) {
    if (!data || id === null || id === undefined) return -1;
    if (data.rowOfId) return id >= 0 && id < data.rowOfId.length ? data.rowOfId[id] : -1;
    return id >= 0 && id < data.n ? id : -1;
  }

  function emitHover(row, event) {
    const id = row !== null && row >= 0 && data ? idOf(row) : null;
    if (id === lastHoverId) return;
    lastHoverId = id;
    emitter.emit("hover", { id, clientX: event?.clientX, clientY: event?.clientY });
  }

  function emitProbe(at, event) {
    if (!at && !lastProbe) return;
    lastProbe = Boolean(at);
    emitter.emit(
      "probe",
      at
        ? { x: at[0], y: at[1], clientX: event.clientX, clientY: event.clientY, iteration: data.iteration, plot: opts.name }
        : null,
    );
  }

  // ---- layout ----------------------------------------------------------------------------------
  const resizeObserver = new ResizeObserver(() => layout());
  resizeObserver.observe(body.node());

  function layout() {
    const box = body.node().getBoundingClientRect();
    const size = Math.floor(Math.min(box.width, box.height || box.width));
    if (size <= 0) return;
    const w = Math.max(10, size - MARGIN.left - MARGIN.right);
    const h = Math.max(10, size - MARGIN.top - MARGIN.bottom);
    const ratio = window.devicePixelRatio || 1;
    if (w === width && h === height && ratio === dpr) return;
    width = w;
    height = h;
    dpr = ratio;
    background = cssBackground(root);
    svg.attr("width", size).attr("height", size).attr("viewBox", `0 0 ${size} ${size}`);
    const cw = Math.round(width * dpr);
    const ch = Math.round(height * dpr);
    canvas
      .attr("width", cw)
      .attr("height", ch)
      .style("left", `${MARGIN.left}px`)
      .style("top", `${MARGIN.top}px`)
      .style("width", `${width}px`)
      .style("height", `${height}px`);
    layer.resize(cw, ch);
    under.invalidate();
    inner.attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
    zoomSurface.attr("width", width).attr("height", height);
    xAxisG.attr("transform", `translate(${MARGIN.left},${MARGIN.top + height})`);
    yAxisG.attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
    zoom.extent([
      [0, 0],
      [width, height],
    ]);
    brush.resize(width, height);
    lasso.resize(width, height);
    updateBaseScales();
    schedule();
    emitter.emit("view");
  }

  // Equal units on both axes, so distances in the picture are distances in the latent space.
  function updateBaseScales() {
    setBase(data?.n ? frameOf(data.x, data.y) : { cx: 0, cy: 0, half: 1.06 });
  }

  function setBase({ cx, cy, half }) {
    baseX.domain([cx - half, cx + half]).range([0, width]);
    baseY.domain([cy - half, cy + half]).range([height, 0]);
    zx = transform.rescaleX(baseX);
    zy = transform.rescaleY(baseY);
  }

  // ---- animated transition ---------------------------------------------------------------------
  // The points move from `from` (the same points elsewhere, row for row) to the data's own
  // coordinates; the window moves with them. The data's arrays and its quadtree are never
  // touched: the frames are drawn from two scratch arrays, and hovering, clicking and
  // gestures wait for the end (a pointerdown finishes the move at once).
  function startTransition(from) {
    const n = data.n;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    x.set(from.x);
    y.set(from.y);
    anim = {
      x,
      y,
      from,
      start: frameOf(from.x, from.y),
      end: frameOf(data.x, data.y),
      tween: createTween({ duration: TRANSITION_MS }),
    };
    emitHover(null);
    emitProbe(null);
    emitter.emit("transition", { running: true, iteration: data.iteration });
  }

  /** Positions for this frame; ends the move when its time is up. */
  function stepTransition() {
    const t = anim.tween.value();
    lerpArray(anim.x, anim.from.x, data.x, t);
    lerpArray(anim.y, anim.from.y, data.y, t);
    const a = anim.start;
    const b = anim.end;
    setBase({ cx: a.cx + (b.cx - a.cx) * t, cy: a.cy + (b.cy - a.cy) * t, half: a.half + (b.half - a.half) * t });
    if (anim.tween.done()) finishTransition();
    else schedule(); // the next frame
  }

  function finishTransition() {
    if (!anim) return;
    anim = null;
    updateBaseScales();
    schedule();
    emitter.emit("transition", { running: false, iteration: data?.iteration ?? null });
    emitter.emit("view");
  }

  function stopTransition() {
    if (!anim) return;
    anim = null;
    emitter.emit("transition", { running: false, iteration: null, cancelled: true });
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if ((window.devicePixelRatio || 1) !== dpr) layout(); // moved to a screen of another density
    if (anim) stepTransition(); // before the axes: the window moves with the points
    if (!width) return stats;
    drawAxes();
    const underPixels = under.pixels({ zx, zy, dpr, width: layer.width, height: layer.height, background });

    const n = data ? data.n : 0;
    let visible = 0;
    if (!n) {
      ctx.clearRect(0, 0, layer.width, layer.height);
    } else {
      // Device-pixel position = value * a + b, the zoomed scales folded into two numbers.
      const [ax, bx] = linear(zx, dpr);
      const [ay, by] = linear(zy, dpr);
      const r = pointRadius(n) * Math.min(2.5, Math.sqrt(transform.k)) * dpr;
      const mask = selection && selection.size > 0 ? selection.mask : null;
      const { x, y } = positions();
      const common = { x, y, n, color: data.color, palette, ids: data.ids, mask, ax, bx, ay, by, shapes: shapeList() };
      if (underPixels) layer.clearFrom(underPixels);
      else layer.clear(background);
      const W = layer.width;
      const H = layer.height;
      dense = density.wanted(densityMode, common, W, H, 2 * r);
      let rows;
      let chosen = null;
      if (dense) {
        // Density: the rest (all points without a selection) as hexagons, the selection as
        // points on top, so a selection stays exact and visible however crowded the plot.
        if (mask) ({ chosen: rows } = splitRows(data.order, data.ids, mask, scratch, restRows));
        else rows = scratch.subarray(0, 0);
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
          skip: scratch,
          radius: r,
          alpha: mask ? DIM_ALPHA : BASE_ALPHA,
        });
        visible = rest.visible;
        rows = scratch.subarray(0, mask ? rest.skipped : 0);
        chosen = rows.length
          ? layer.paint({ ...common, rows, mask: null, want: -1, radius: r * SELECTED_SCALE, alpha: 1 })
          : null;
        if (chosen) visible += chosen.visible;
      }
      layer.flush();
      const rCss = r / dpr;
      if (chosen && chosen.painted <= OUTLINE_MAX) outlineSelected(ctx, dpr, rows, common, rCss * SELECTED_SCALE, width, height);
      if (marks) drawMarks(ctx, dpr, marks, rowOf, common, rCss);
      if (found) {
        const rows = foundRows();
        drawFound(ctx, dpr, rows, Math.min(rows.length, FOUND_RINGS_MAX), common, rCss, width, height);
      }
    }
    positionHoverRing();

    stats = { iteration: data ? data.iteration : null, pointsDrawn: n, visiblePoints: visible, gesture, density: dense };
    container.attr("data-points", n).attr("data-visible", visible).attr("data-density", dense ? "on" : "off");
    header.setCount(n ? `${formatCount(n)} points` : "");
    emitter.emit("draw", stats);
    return stats;
  }

  /** The coordinates drawn now: the data's, or the frame of a transition. */
  function positions() {
    return anim ? { x: anim.x, y: anim.y } : { x: data.x, y: data.y };
  }

  function updatePalette() {
    palette = buildPalette({ coloring, colors, slots: data ? data.slots : 0 });
  }

  function recolor() {
    if (data) recolorRows(data, coloring);
  }

  // Axes are SVG: rebuild them only when the scales changed, not on every selection redraw.
  function drawAxes() {
    const key = `${zx.domain()}|${zy.domain()}|${width}|${height}`;
    if (key === axesKey) return;
    axesKey = key;
    const ticks = Math.max(3, Math.round(width / 80));
    xAxisG.call(d3.axisBottom(zx).ticks(ticks).tickSizeOuter(0));
    yAxisG.call(d3.axisLeft(zy).ticks(ticks).tickSizeOuter(0));
  }

  function positionHoverRing() {
    if (!data || hoverIndex < 0) {
      hoverRing.style("display", "none");
      return;
    }
    const xy = positions();
    const x = zx(xy.x[hoverIndex]);
    const y = zy(xy.y[hoverIndex]);
    const inside = x >= 0 && x <= width && y >= 0 && y <= height;
    hoverRing
      .style("display", inside ? null : "none")
      .attr("cx", x)
      .attr("cy", y)
      .attr("r", pointRadius(data.n) * Math.min(2.5, Math.sqrt(transform.k)) + 4);
  }

  // ---- public API ------------------------------------------------------------------------------
  const api = {
    on: emitter.on,

    setTitle(text) {
      header.setTitle(text);
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
      stopTransition();
      if (!next) {
        data = null;
        hoverIndex = -1;
        container.attr("data-iteration", "").classed("is-empty", true);
      } else {
        const n = next.x.length;
        const x = next.x instanceof Float32Array ? next.x : Float32Array.from(next.x);
        const y = next.y instanceof Float32Array ? next.y : Float32Array.from(next.y);
        const labels = next.labels instanceof Int32Array ? next.labels : Int32Array.from(next.labels);
        // Palette slot per row: its class, or slot `slots` ("unknown") for a missing label.
        let slots = 0;
        for (let i = 0; i < n; i++) if (labels[i] >= slots) slots = labels[i] + 1;
        slots = Math.min(slots, 65535);
        const color = new Uint16Array(n); // filled by recolor() below
        let ids = null;
        let rowOfId = null;
        if (next.ids) {
          ids = next.ids instanceof Int32Array ? next.ids : Int32Array.from(next.ids);
          let maxId = -1;
          for (let i = 0; i < n; i++) if (ids[i] > maxId) maxId = ids[i];
          rowOfId = new Int32Array(maxId + 1).fill(-1);
          for (let i = 0; i < n; i++) rowOfId[ids[i]] = i;
        }
        data = {
          n,
          x,
          y,
          labels,
          ids,
          rowOfId,
          color,
          slots,
          iteration: next.iteration ?? null,
          index: null, // built once per data set (indexOf), reused by every zoom and gesture
        };
        // Building the quadtree of 70,000 points takes tens of milliseconds: do it after the
        // first paint, when the page is idle, or at the first hover / gesture if that is sooner.
        const mine = data;
        whenIdle(() => data === mine && indexOf());
        if (hits.length < n) hits = new Int32Array(n);
        if (scratch.length < n) scratch = new Int32Array(n);
        if (restRows.length < n) restRows = new Int32Array(n);
        data.order = shuffledOrder(n, n); // seeded by n: the same picture on every redraw
        hoverIndex = -1;
        container.attr("data-iteration", data.iteration ?? "").classed("is-empty", false);
      }
      lastHoverId = null;
      gesture = null;
      if (found) found.rows = null;
      // Listeners may colour the new points before their first draw (colour-by.js).
      emitter.emit("data", { iteration: data ? data.iteration : null, n: data ? data.n : 0 });
      recolor();
      updatePalette();
      api.resetZoom(false);
      updateBaseScales();
      const moving = from && animate && data && data.n > 0 && from.x?.length === data.n && from.y?.length === data.n;
      if (moving && !prefersReducedMotion()) startTransition(from);
      schedule();
      return api;
    },

    /**
     * Colour points by value instead of class: codes (Uint16Array indexed by point id, a slot
     * of `colors` per point, NO_CODE or beyond the array: none, drawn grey). null: classes.
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
      shapes = on ? true : null;
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
    visibleDomain: () => ({ x: zx.domain().slice(), y: zy.domain().slice() }),
    /** The plot area in CSS pixels. */
    size: () => ({ width, height }),
    /** Where point id is drawn, in client (viewport) pixels, or null when not in view. */
    screenPosition(id) {
      const row = rowOf(id);
      if (row < 0 || !width) return null;
      const xy = positions();
      const px = zx(xy.x[row]);
      const py = zy(xy.y[row]);
      if (!(px >= 0 && px <= width && py >= 0 && py <= height)) return null;
      const box = canvas.node().getBoundingClientRect();
      return [box.left + px, box.top + py];
    },
    iteration: () => (data ? data.iteration : null),
    hasData: () => Boolean(data?.n),
    transitionRunning: () => Boolean(anim),

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
        positionHoverRing();
      }
      return api;
    },

    setMode(next) {
      mode = next === "brush" || next === "lasso" ? next : "pan";
      brush.enable(mode === "brush");
      lasso.enable(mode === "lasso");
      container.attr("data-mode", mode);
      return api;
    },

    resetZoom(animate = false) {
      const target = animate ? svg.transition().duration(350) : svg;
      target.call(zoom.transform, d3.zoomIdentity);
      return api;
    },

    stats: () => ({ ...stats }),
    /** The ids this plot shows (a copy). */
    ids: () => (data ? (data.ids ? Array.from(data.ids) : Array.from({ length: data.n }, (_, i) => i)) : []),
    node: () => root,

    // -- for the scale test and benchmark hooks (scale-hook.js) --
    /** Draw now instead of at the next animation frame; returns the stats. */
    drawNow: () => draw(),
    /** Ids inside a rectangle of the plot area given as fractions [fx0, fy0, fx1, fy1]. */
    idsInFraction([fx0, fy0, fx1, fy1]) {
      return idsInRect({ x0: fx0 * width, y0: fy0 * height, x1: fx1 * width, y1: fy1 * height });
    },
    /** What a benchmark needs to paint the same points another way (no copies). */
    geometry() {
      const [ax, bx] = linear(zx, 1);
      const [ay, by] = linear(zy, 1);
      return {
        canvas: canvas.node(),
        n: data ? data.n : 0,
        x: data?.x,
        y: data?.y,
        labels: data?.labels,
        ids: data?.ids,
        colors: colors.slice(),
        unknownColor: UNKNOWN_COLOR,
        ax,
        bx,
        ay,
        by,
        width,
        height,
        dpr,
        radius: data ? pointRadius(data.n) * Math.min(2.5, Math.sqrt(transform.k)) : 0,
      };
    },
  };

  api.setMode("pan");
  layout();
  return api;
}

function whenIdle(fn) {
  if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 1000 });
  else setTimeout(fn, 50);
}



// The canvas is painted opaque in the colour of the panel behind it (white if transparent).
function cssBackground(el) {
  let node = el;
  while (node && node.nodeType === 1) {
    const c = d3.color(getComputedStyle(node).backgroundColor);
    if (c && c.opacity > 0) return pixelOf(c.formatRgb());
    node = node.parentNode;
  }
  return packColor(255, 255, 255);
}




