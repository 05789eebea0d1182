// "Seeds, aligned": one small map per seed of an iteration, each turned, mirrored, scaled and
// shifted onto the first seed's (GET .../seeds/aligned, orthogonal Procrustes on the server),
// drawn on the same axes and coloured by class with the page's palette, so the shapes compare
// at a glance. The first is the model the plots show.
//
//   const multiples = createSeedMultiples({ state });
//   multiples.draw(containerNode, { id, k });   // once every seed of iteration k is in
//
// One canvas per seed, no element per point (70,000 points times N seeds). Text is set as text.

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { classColors, UNKNOWN_COLOR } from "./colors.js";

const SIZE = 140; // CSS pixels per small map
const DOT = 2; // CSS pixels per point: small maps of many points need small dots

/** [xmin, xmax, ymin, ymax] over every seed's finite values, one shared frame for all. */
export function sharedExtent(xs, ys) {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  xs.forEach((x, s) => {
    const y = ys[s];
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
      if (x[i] < x0) x0 = x[i];
      if (x[i] > x1) x1 = x[i];
      if (y[i] < y0) y0 = y[i];
      if (y[i] > y1) y1 = y[i];
    }
  });
  if (!(x0 <= x1)) return [0, 1, 0, 1];
  // A square frame: equal units on both axes, or the shapes would be stretched.
  const half = Math.max(x1 - x0, y1 - y0, 1e-12) / 2;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return [cx - half, cx + half, cy - half, cy + half];
}

/** Point ids grouped by class, so each colour is set once per map. */
export function byClass(labels, nClasses) {
  const groups = Array.from({ length: nClasses + 1 }, () => []); // the last: labels outside
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    groups[c >= 0 && c < nClasses ? c : nClasses].push(i);
  }
  return groups;
}

export function createSeedMultiples({ state }) {
  const cache = new Map(); // `${id}|${k}` -> Promise of {aligned, labels}
  const labelsOf = new Map(); // id -> Promise of the labels

  function load(id, k) {
    const key = `${id}|${k}`;
    if (!cache.has(key)) {
      if (!labelsOf.has(id)) labelsOf.set(id, api.labels(id).then((a) => a.labels));
      const p = Promise.all([api.seedsAligned(id, k), labelsOf.get(id)]).then(([aligned, labels]) => ({ aligned, labels }));
      p.catch(() => cache.delete(key)); // a failure is asked again next time
      cache.set(key, p);
    }
    return cache.get(key);
  }

  function paint(canvas, x, y, groups, colors, extent) {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(SIZE * ratio);
    canvas.height = Math.round(SIZE * ratio);
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    const pad = DOT + 2;
    const sx = d3.scaleLinear().domain([extent[0], extent[1]]).range([pad, SIZE - pad]);
    const sy = d3.scaleLinear().domain([extent[2], extent[3]]).range([SIZE - pad, pad]);
    groups.forEach((ids, c) => {
      ctx.fillStyle = colors[c] ?? UNKNOWN_COLOR;
      for (const i of ids) {
        if (Number.isFinite(x[i]) && Number.isFinite(y[i])) ctx.fillRect(sx(x[i]) - DOT / 2, sy(y[i]) - DOT / 2, DOT, DOT);
      }
    });
  }

  function render(box, { aligned, labels }) {
    const nClasses = state.get().experiment?.dataset?.class_names?.length || d3.max(labels, (c) => c + 1) || 1;
    const colors = classColors(nClasses);
    const groups = byClass(labels, nClasses);
    const extent = sharedExtent(aligned.x, aligned.y);
    const grid = box.append("div").attr("class", "seed-multiples-grid");
    aligned.x.forEach((x, s) => {
      const figure = grid.append("figure").attr("class", "seed-multiple").attr("data-seed", aligned.seeds[s]);
      const canvas = figure
        .append("canvas")
        .attr("role", "img")
        .attr("aria-label", `Seed ${aligned.seeds[s]}'s map, aligned onto the first`)
        .style("width", `${SIZE}px`)
        .style("height", `${SIZE}px`);
      paint(canvas.node(), x, aligned.y[s], groups, colors, extent);
      figure.append("figcaption").text(s === 0 ? `Seed ${aligned.seeds[s]} (shown)` : `Seed ${aligned.seeds[s]}`);
    });
    box.attr("data-state", "done").attr("data-panels", aligned.x.length);
  }

  /** Append the small multiples of iteration k to `container` (drawn when the data is in). */
  function draw(container, { id, k }) {
    const box = d3.select(container).append("div").attr("class", "seed-multiples").attr("data-state", "loading");
    box.append("h4").attr("class", "seed-multiples-title").text("Seeds, aligned");
    box
      .append("p")
      .attr("class", "note")
      .text("Each seed's map turned, mirrored, scaled and shifted onto the first (the one in the plots), on the same axes, so the shapes compare.");
    load(id, k).then(
      (data) => {
        if (box.node().isConnected) render(box, data);
      },
      (err) => {
        if (!box.node().isConnected) return;
        box.attr("data-state", "error");
        box.append("p").attr("class", "note").text(`The aligned seeds could not be loaded: ${err?.message || err}`);
      },
    );
  }

  return { draw };
}
