// Hooks for the scale test and the browser benchmark: fill the three plots with n synthetic
// points (no 70,000-point training needed), and time a full draw or one brush frame inside
// the page with performance.mark/measure. Nothing on the page calls them.
//
//   window.__explorer.loadSynthetic(n, seed = 1, {reverse}) -> {n}   10 seeded Gaussian classes
//       (reverse: the same points in the opposite row order, to show that the picture does
//       not depend on the order the points come in)
//   window.__explorer.plotCoords(name) -> {x, y, ids}      the exact values a plot holds
//   window.__explorerBench.drawAll(name) -> ms             one full draw, rasterised
//   window.__explorerBench.brushFrame(name, [fx0, fy0, fx1, fy1]) -> ms
//       one brush move: hit test of a rectangle (fractions of the plot area), the previewed
//       selection, and a redraw of all three plots; details in __explorerBench.lastBrush
//   window.__explorerBench.geometry(name)                  what a baseline painter needs

import { classColors } from "./colors.js";

const N_CLASSES = 10;

export function installScaleHook({ plots, selection, session, clear }) {
  const hook = window.__explorer;
  if (!hook) return;

  hook.loadSynthetic = (n = 70_000, seed = 1, { reverse = false } = {}) => {
    const count = Math.max(0, Math.min(1_000_000, n | 0));
    clear();
    session.reset();
    selection.clear("synthetic");
    const random = mulberry32(seed | 0);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) labels[i] = Math.floor(random() * N_CLASSES);
    const colors = classColors(N_CLASSES);
    // Three different pictures of the same points, as plots 1-3 would show after a Submit.
    const layouts = { initial: [1, 0], selected: [0.6, 1.3], all: [1.4, 2.1] };
    for (const [name, [spread, turn]] of Object.entries(layouts)) {
      const x = new Float32Array(count);
      const y = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const angle = (2 * Math.PI * labels[i]) / N_CLASSES + turn;
        const [gx, gy] = gaussianPair(random);
        x[i] = 4 * Math.cos(angle) + spread * gx;
        y[i] = 4 * Math.sin(angle) + spread * gy;
      }
      plots[name].setColors(colors);
      if (reverse) {
        x.reverse();
        y.reverse();
      }
      plots[name].setData({ x, y, labels: reverse ? labels.slice().reverse() : labels, iteration: null });
    }
    const classNames = colors.map((_, c) => `class ${c}`);
    session.adoptLabels(reverse ? labels.slice().reverse() : labels, { name: "synthetic", class_names: classNames });
    return { n: count };
  };

  hook.plotCoords = (name) => {
    const g = plots[name].geometry();
    if (!g.n) return { x: [], y: [], ids: [] };
    return { x: Array.from(g.x), y: Array.from(g.y), ids: g.ids ? Array.from(g.ids) : null };
  };

  const bench = {
    lastBrush: null,
    geometry: (name) => plots[name].geometry(),

    drawAll(name) {
      const plot = plots[name];
      performance.mark("le-draw-start");
      plot.drawNow();
      rasterise(plot);
      performance.mark("le-draw-end");
      return performance.measure("le-draw", "le-draw-start", "le-draw-end").duration;
    },

    brushFrame(name, rect) {
      performance.mark("le-brush-start");
      const ids = plots[name].idsInFraction(rect);
      performance.mark("le-brush-hit");
      const count = ids.length;
      selection.preview("replace", ids, name); // the plots get the new mask through "change"
      performance.mark("le-brush-preview");
      for (const plot of Object.values(plots)) {
        plot.drawNow();
        rasterise(plot);
      }
      performance.mark("le-brush-end");
      const span = (a, b) => performance.measure(`le-brush-${b}`, `le-brush-${a}`, `le-brush-${b}`).duration;
      const hitMs = span("start", "hit");
      const previewMs = span("hit", "preview");
      const drawMs = span("preview", "end");
      const total = span("start", "end");
      selection.endPreview(name);
      bench.lastBrush = { count, hitMs, previewMs, drawMs, totalMs: total };
      return total;
    },
  };
  window.__explorerBench = bench;
}

// Chromium records canvas calls and rasterises them later; reading one pixel forces the work
// into the measurement, for our painter and a baseline alike.
function rasterise(plot) {
  plot.node().querySelector("canvas").getContext("2d").getImageData(0, 0, 1, 1);
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussianPair(random) {
  const u = 1 - random();
  const v = random();
  const r = Math.sqrt(-2 * Math.log(u));
  return [r * Math.cos(2 * Math.PI * v), r * Math.sin(2 * Math.PI * v)];
}
