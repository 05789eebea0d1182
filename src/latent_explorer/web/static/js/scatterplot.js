// A 2-D scatterplot of latent coordinates, used three times on the page.
//
// Points are painted on a <canvas> (thousands of SVG circles would be slow); axes, the brush,
// the lasso and the hover ring live on an SVG laid over it. Hit-testing uses a d3.quadtree in
// data space, never the DOM. Every change only schedules one redraw per animation frame.
//
//   const plot = createScatterplot(el, {title: "..."});
//   plot.on("select", ({ids, method, params}) => ...);   // brush / lasso gesture finished
//   plot.on("hover", ({id, clientX, clientY}) => ...);   // id is null when leaving a point
//   plot.on("pointclick", ({id}) => ...);                // click on a point in pan mode
//   plot.on("draw", ({pointsDrawn, visiblePoints}) => ...);
//   plot.setData({x, y, labels, ids, iteration}); plot.setSelection(set); plot.setHover(id);
//   plot.setMode("pan" | "brush" | "lasso"); plot.resetZoom();

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { createBrush } from "./brush.js";
import { createLasso, indicesInPolygon, thinPolygon } from "./lasso.js";
import { UNKNOWN_COLOR } from "./colors.js";

const MARGIN = { top: 8, right: 10, bottom: 24, left: 38 };
const HOVER_RADIUS_PX = 6;
const DIM_ALPHA = 0.2;
const BASE_ALPHA = 0.8;

export function createScatterplot(root, opts = {}) {
  const emitter = createEmitter();
  const container = d3.select(root).classed("scatterplot", true);
  container.selectAll("*").remove();

  // ---- DOM -----------------------------------------------------------------------------------
  const header = container.append("header").attr("class", "plot-header");
  const titleEl = header.append("h2").attr("class", "plot-title").text(opts.title || "");
  const countEl = header.append("span").attr("class", "plot-count");
  const resetButton = header
    .append("button")
    .attr("type", "button")
    .attr("class", "button small reset-zoom")
    .attr("title", "Show all points of this plot again")
    .text("Reset zoom");

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

  const ctx = canvas.node().getContext("2d");

  // ---- state ---------------------------------------------------------------------------------
  let width = 0; // inner plot area in CSS pixels
  let height = 0;
  let data = null; // {x, y, labels, ids: typed arrays, n, iteration, byClass}
  let colors = opts.colors || [];
  let selectionSet = new Set();
  let selectedMask = null; // Uint8Array over data rows
  let hoverIndex = -1; // row index of the ring, from setHover
  let mode = "pan";
  let quadtree = null;
  let transform = d3.zoomIdentity;
  let px = new Float32Array(0); // pixel positions of the last draw, reused by gestures
  let py = new Float32Array(0);
  let frame = 0;
  let stats = { iteration: null, pointsDrawn: 0, visiblePoints: 0 };
  let lastHoverId = null;

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
    .on("start", () => emitHover(null))
    .on("zoom", (event) => {
      transform = event.transform;
      zx = transform.rescaleX(baseX);
      zy = transform.rescaleY(baseY);
      schedule();
    });
  svg.call(zoom);

  const brush = createBrush(brushG, {
    onEnd({ x0, y0, x1, y1 }) {
      const rows = [];
      for (let i = 0; i < px.length; i++) {
        if (px[i] >= x0 && px[i] <= x1 && py[i] >= y0 && py[i] <= y1) rows.push(i);
      }
      emitSelect(rows, "brush", {
        x: [round(zx.invert(x0)), round(zx.invert(x1))],
        y: [round(zy.invert(y1)), round(zy.invert(y0))],
      });
    },
  });

  const lasso = createLasso(lassoG, {
    onEnd(polygon) {
      const rows = indicesInPolygon(polygon, px, py);
      emitSelect(rows, "lasso", {
        polygon: thinPolygon(polygon).map(([x, y]) => [round(zx.invert(x)), round(zy.invert(y))]),
      });
    },
  });

  function emitSelect(rows, method, params) {
    if (!data) return;
    const ids = rows.map((i) => data.ids[i]);
    emitter.emit("select", {
      ids,
      method,
      params: { ...params, iteration: data.iteration, plot: opts.name || null },
    });
  }

  resetButton.on("click", () => api.resetZoom(true));

  // ---- hover and click -----------------------------------------------------------------------
  svg
    .on("pointermove", (event) => {
      if (event.buttons) return; // panning or drawing a brush / lasso: no tooltips meanwhile
      emitHover(findRow(event), event);
    })
    .on("pointerleave", () => emitHover(null))
    .on("click", (event) => {
      if (mode !== "pan" || !data) return;
      const row = findRow(event);
      if (row >= 0) emitter.emit("pointclick", { id: data.ids[row], event });
    });

  function findRow(event) {
    if (!data || !quadtree) return -1;
    const [mx, my] = d3.pointer(event, inner.node());
    if (mx < 0 || my < 0 || mx > width || my > height) return -1;
    const unitsPerPx = Math.abs(zx.invert(1) - zx.invert(0)) || 1;
    const found = quadtree.find(zx.invert(mx), zy.invert(my), HOVER_RADIUS_PX * unitsPerPx);
    return found === undefined ? -1 : found;
  }

  function emitHover(row, event) {
    const id = row !== null && row >= 0 && data ? data.ids[row] : null;
    if (id === lastHoverId) return;
    lastHoverId = id;
    emitter.emit("hover", { id, clientX: event?.clientX, clientY: event?.clientY });
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
    if (w === width && h === height) return;
    width = w;
    height = h;
    const dpr = window.devicePixelRatio || 1;
    svg.attr("width", size).attr("height", size).attr("viewBox", `0 0 ${size} ${size}`);
    canvas
      .attr("width", Math.round(width * dpr))
      .attr("height", Math.round(height * dpr))
      .style("left", `${MARGIN.left}px`)
      .style("top", `${MARGIN.top}px`)
      .style("width", `${width}px`)
      .style("height", `${height}px`);
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
  }

  // Equal units on both axes, so distances in the picture are distances in the latent space.
  function updateBaseScales() {
    let x0 = -1;
    let x1 = 1;
    let y0 = -1;
    let y1 = 1;
    if (data && data.n) {
      [x0, x1] = extent(data.x);
      [y0, y1] = extent(data.y);
    }
    const half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.06 || 1;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    baseX.domain([cx - half, cx + half]).range([0, width]);
    baseY.domain([cy - half, cy + half]).range([height, 0]);
    zx = transform.rescaleX(baseX);
    zy = transform.rescaleY(baseY);
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    if (!width) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    drawAxes();

    const n = data ? data.n : 0;
    if (px.length !== n) {
      px = new Float32Array(n);
      py = new Float32Array(n);
    }
    let visible = 0;
    for (let i = 0; i < n; i++) {
      const x = zx(data.x[i]);
      const y = zy(data.y[i]);
      px[i] = x;
      py[i] = y;
      if (x >= 0 && x <= width && y >= 0 && y <= height) visible++;
    }

    if (n) {
      const r = pointRadius(n) * Math.min(2.5, Math.sqrt(transform.k));
      const dimming = selectionSet.size > 0;
      // Unselected first (dimmed when a selection exists), selected on top; one path per
      // colour so the canvas fills a few large paths instead of thousands of small ones.
      ctx.globalAlpha = dimming ? DIM_ALPHA : BASE_ALPHA;
      data.byClass.forEach((rows, c) => fillRows(rows, colorOf(c), r, dimming ? 0 : -1));
      if (dimming) {
        ctx.globalAlpha = 1;
        data.byClass.forEach((rows, c) => fillRows(rows, colorOf(c), r * 1.15, 1));
        // A thin outline keeps a few selected points readable on top of dimmed ones; on
        // thousands it would turn dense clusters black, so it is left out there.
        if (countSelected() <= 500) {
          ctx.globalAlpha = 0.55;
          ctx.lineWidth = 0.6;
          ctx.strokeStyle = "#1b1f24";
          data.byClass.forEach((rows) => strokeRows(rows, r * 1.15));
        }
      }
      ctx.globalAlpha = 1;
    }
    positionHoverRing();

    stats = { iteration: data ? data.iteration : null, pointsDrawn: n, visiblePoints: visible };
    container.attr("data-points", n).attr("data-visible", visible);
    countEl.text(n ? `${d3.format(",")(n)} points` : "");
    emitter.emit("draw", stats);
  }

  // want: -1 all rows, 0 unselected rows, 1 selected rows
  function fillRows(rows, color, r, want) {
    ctx.fillStyle = color;
    ctx.beginPath();
    for (const i of rows) {
      if (want >= 0 && selectedMask[i] !== want) continue;
      const x = px[i];
      const y = py[i];
      if (x < -r || y < -r || x > width + r || y > height + r) continue;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fill();
  }

  function strokeRows(rows, r) {
    ctx.beginPath();
    for (const i of rows) {
      if (!selectedMask[i]) continue;
      const x = px[i];
      const y = py[i];
      if (x < -r || y < -r || x > width + r || y > height + r) continue;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.stroke();
  }

  function countSelected() {
    let c = 0;
    for (let i = 0; i < selectedMask.length; i++) c += selectedMask[i];
    return c;
  }

  function colorOf(c) {
    return colors[c] || UNKNOWN_COLOR;
  }

  function drawAxes() {
    const ticks = Math.max(3, Math.round(width / 80));
    xAxisG.call(d3.axisBottom(zx).ticks(ticks).tickSizeOuter(0));
    yAxisG.call(d3.axisLeft(zy).ticks(ticks).tickSizeOuter(0));
  }

  function positionHoverRing() {
    if (!data || hoverIndex < 0) {
      hoverRing.style("display", "none");
      return;
    }
    const x = zx(data.x[hoverIndex]);
    const y = zy(data.y[hoverIndex]);
    const inside = x >= 0 && x <= width && y >= 0 && y <= height;
    hoverRing
      .style("display", inside ? null : "none")
      .attr("cx", x)
      .attr("cy", y)
      .attr("r", pointRadius(data.n) * Math.min(2.5, Math.sqrt(transform.k)) + 4);
  }

  function rebuildMask() {
    if (!data) {
      selectedMask = null;
      return;
    }
    selectedMask = new Uint8Array(data.n);
    if (!selectionSet.size) return;
    for (let i = 0; i < data.n; i++) selectedMask[i] = selectionSet.has(data.ids[i]) ? 1 : 0;
  }

  // ---- public API ------------------------------------------------------------------------------
  const api = {
    on: emitter.on,

    setTitle(text) {
      titleEl.text(text);
      return api;
    },

    setEmptyText(text) {
      emptyEl.text(text);
      return api;
    },

    setColors(next) {
      colors = next || [];
      schedule();
      return api;
    },

    /** Columns of equal length; ids default to row numbers. Pass null to clear the plot. */
    setData(next) {
      if (!next) {
        data = null;
        quadtree = null;
        hoverIndex = -1;
        container.attr("data-iteration", "").classed("is-empty", true);
      } else {
        const n = next.x.length;
        const labels = Int32Array.from(next.labels);
        const ids = next.ids ? Int32Array.from(next.ids) : Int32Array.from(d3.range(n));
        const nClasses = Math.max(colors.length, d3.max(labels) + 1 || 0);
        const byClass = Array.from({ length: nClasses }, () => []);
        for (let i = 0; i < n; i++) {
          if (labels[i] >= 0) byClass[labels[i]].push(i);
        }
        data = {
          n,
          x: Float64Array.from(next.x),
          y: Float64Array.from(next.y),
          labels,
          ids,
          iteration: next.iteration ?? null,
          byClass,
          rowOf: new Map(Array.from(ids, (id, i) => [id, i])),
        };
        quadtree = d3
          .quadtree()
          .x((i) => data.x[i])
          .y((i) => data.y[i])
          .addAll(d3.range(n));
        hoverIndex = -1;
        container.attr("data-iteration", data.iteration ?? "").classed("is-empty", false);
      }
      lastHoverId = null;
      rebuildMask();
      api.resetZoom(false);
      updateBaseScales();
      schedule();
      return api;
    },

    setSelection(set) {
      selectionSet = set || new Set();
      rebuildMask();
      schedule();
      return api;
    },

    setHover(id) {
      const row = data && id !== null && id !== undefined ? (data.rowOf.get(id) ?? -1) : -1;
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
    ids: () => (data ? Array.from(data.ids) : []),
    node: () => root,
  };

  api.setMode("pan");
  layout();
  return api;
}

function pointRadius(n) {
  if (n > 5000) return 1.6;
  if (n > 1500) return 2.2;
  if (n > 400) return 3;
  return 4;
}

function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [-1, 1];
}

function round(v) {
  return Math.round(v * 1e4) / 1e4;
}
