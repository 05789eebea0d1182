// What a pointer does on a scatterplot: zoom and pan (d3-zoom), the brush and the lasso
// (brush.js, lasso.js) and the brush by keyboard (plot-keys.js), hovering (the tooltip's "hover" events and the decode view's "probe"
// of empty space) and clicks on points. Hit-testing and gesture queries go through the
// plot's spatial index in data space, never the DOM.
//
// The plot (scatterplot.js) owns the data and the scales; `plot` reads them as they are now:
// {data, zx, zy, width, height, mode, moving (a transition runs), index() (the spatial index)}.

import { d3 } from "./d3.js";
import { createBrush } from "./brush.js";
import { createLasso, thinPolygon } from "./lasso.js";
import { createPlotKeys } from "./plot-keys.js";
import { round } from "./plot-geometry.js";
import { idOfRow } from "./plot-data.js";

const HOVER_RADIUS_PX = 6;

export function createPlotInteraction({ plot, svg, inner, body, emitter, name, onZoom, finishTransition, schedule }) {
  let hits = new Int32Array(0); // rows of the last query, reused so a moving brush allocates nothing
  let gesture = null; // the last brush / lasso in data space, for tests (see the plot's stats)
  let lastHoverId = null;
  let lastProbe = false; // the last pointer move was reported as a probe of empty space

  // ---- zoom ------------------------------------------------------------------------------------
  const zoom = d3
    .zoom()
    .scaleExtent([0.5, 400])
    // Pan/zoom mode gets drag, wheel and double click; brush and lasso keep the wheel only,
    // so one can still zoom in to draw a precise rectangle or lasso.
    .filter((event) => {
      if (plot.mode === "pan") return (!event.ctrlKey || event.type === "wheel") && !event.button;
      return event.type === "wheel";
    })
    .on("start", () => {
      emitHover(null);
      emitProbe(null);
    })
    .on("zoom", (event) => onZoom(event.transform))
    // Layers that fetch per view (the decoded grid) wait for the gesture to end.
    .on("end", () => emitter.emit("view"));
  svg.call(zoom);

  // ---- brush and lasso -------------------------------------------------------------------------
  // A pixel rectangle of the plot area as the data-space rectangle the queries use.
  function dataRect({ x0, y0, x1, y1 }) {
    const { zx, zy } = plot;
    return { x: [zx.invert(x0), zx.invert(x1)], y: [zy.invert(y1), zy.invert(y0)] };
  }

  function buffer() {
    if (hits.length < plot.data.n) hits = new Int32Array(plot.data.n);
    return hits;
  }

  /** Ids inside a pixel rectangle; a view of a reused buffer, valid until the next query. */
  function idsInRect(rect) {
    if (!plot.data) return new Int32Array(0);
    const { x, y } = dataRect(rect);
    return rowsToIds(plot.index().inRect(x[0], y[0], x[1], y[1], buffer()));
  }

  function rowsToIds(k) {
    const { ids } = plot.data;
    if (ids) for (let j = 0; j < k; j++) hits[j] = ids[hits[j]];
    return hits.subarray(0, k);
  }

  // The brush's callbacks, shared by the mouse (brush.js) and the keyboard (plot-keys.js), so a
  // rectangle placed by keys previews, selects and is undone exactly like a dragged one.
  const brushActions = {
    // While dragging, every move previews its selection in all plots (coalesced per frame by
    // the plots' own redraw scheduling); the query is a quadtree walk, not a scan of all points.
    onMove(rect) {
      if (plot.data) emitter.emit("preview", { ids: idsInRect(rect), method: "brush" });
    },
    onCancel() {
      emitter.emit("preview", { ids: null, method: "brush" });
    },
    onEnd(rect) {
      if (!plot.data) return;
      const ids = Array.from(idsInRect(rect));
      const r = dataRect(rect);
      recordGesture({ method: "brush", x: r.x, y: r.y, count: ids.length });
      emitSelect(ids, "brush", {
        x: [round(r.x[0]), round(r.x[1])],
        y: [round(r.y[0]), round(r.y[1])],
      });
    },
  };
  const brush = createBrush(inner.append("g").attr("class", "brush-layer"), brushActions);
  const keys = createPlotKeys({
    svg,
    layer: inner.append("g").attr("class", "key-brush-layer"),
    body,
    size: () => ({ width: plot.width, height: plot.height }),
    count: (rect) => idsInRect(rect).length,
    ...brushActions,
  });

  const lasso = createLasso(inner.append("g").attr("class", "lasso-layer"), {
    onEnd(polygon) {
      if (!plot.data) return;
      const { zx, zy } = plot;
      const inData = polygon.map(([x, y]) => [zx.invert(x), zy.invert(y)]);
      const ids = Array.from(rowsToIds(plot.index().inPolygon(inData, buffer())));
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
      params: { ...params, iteration: plot.data.iteration, plot: name || null },
    });
  }

  // ---- hover and click -------------------------------------------------------------------------
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
      emitProbe(row < 0 && at && !plot.moving ? at : null, event);
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
      if (plot.mode !== "pan" || !plot.data || plot.moving) return;
      const at = pointerAt(event);
      if (!at) return;
      const row = findRow(at);
      // A plain click asks about a point (its neighbours); with a modifier it toggles the
      // point in the selection, as a plain click did before the neighbours existed.
      const modifier = event.shiftKey || event.ctrlKey || event.metaKey;
      if (row >= 0) emitter.emit(modifier ? "pointclick" : "pointfocus", { id: idOfRow(plot.data, row), event });
      else if (!modifier) emitter.emit("emptyclick", { event });
    });

  /** The pointer in data space, or null outside the plot area (or without data). */
  function pointerAt(event) {
    if (!plot.data) return null;
    const [mx, my] = d3.pointer(event, inner.node());
    if (mx < 0 || my < 0 || mx > plot.width || my > plot.height) return null;
    return [plot.zx.invert(mx), plot.zy.invert(my)];
  }

  /** The row nearest to a data-space position within the hover radius, or -1. */
  function findRow([x, y]) {
    if (!plot.data || plot.moving) return -1; // while moving, the points are not where the index has them
    const unitsPerPx = Math.abs(plot.zx.invert(1) - plot.zx.invert(0)) || 1;
    return plot.index().nearest(x, y, HOVER_RADIUS_PX * unitsPerPx);
  }

  function emitHover(row, event) {
    const id = row !== null && row >= 0 && plot.data ? idOfRow(plot.data, row) : null;
    if (id === lastHoverId) return;
    lastHoverId = id;
    emitter.emit("hover", { id, clientX: event?.clientX, clientY: event?.clientY });
  }

  function emitProbe(at, event) {
    if (!at && !lastProbe) return;
    lastProbe = Boolean(at);
    emitter.emit(
      "probe",
      at ? { x: at[0], y: at[1], clientX: event.clientX, clientY: event.clientY, iteration: plot.data.iteration, plot: name } : null,
    );
  }

  return {
    zoom,
    idsInRect,
    /** The tooltip and the decode view go (a transition starts: the points move away). */
    leave() {
      emitHover(null);
      emitProbe(null);
    },
    gesture: () => gesture,
    /** New data: no gesture or hovered point carries over. */
    reset() {
      lastHoverId = null;
      gesture = null;
      keys.reset();
    },
    resize(width, height) {
      keys.reset();
      zoom.extent([
        [0, 0],
        [width, height],
      ]);
      brush.resize(width, height);
      lasso.resize(width, height);
    },
    setMode(mode) {
      brush.enable(mode === "brush");
      lasso.enable(mode === "lasso");
      keys.setMode(mode);
    },
  };
}
