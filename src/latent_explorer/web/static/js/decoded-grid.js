// "Decoded grid": a 15 x 15 grid over the visible part of each plot, each cell showing what
// the plot's decoder makes of the cell's centre, drawn under the points:
//   - image data: the decoded image, in faint ink, so the points stay readable on top;
//   - tabular data: one coloured tile per cell. When "Colour by" shows a raw feature, a tile
//     is the DECODED value of that feature on the points' own scale (where the colours of
//     the points and the tiles agree, the decoder reproduces the feature); otherwise its
//     shade is how far the decoded profile lies from the dataset mean (root mean square of
//     the per-feature standard scores, 0 to 3), darker = more unusual.
// The grid follows zoom and pan (debounced) and every new iteration; the PCA plot has no
// decoder and gets none.
//
//   const grid = createDecodedGrid({toggle, note, state, session, plots, colourBy});
//   grid.on("change", ({tiles}) => ...);   // tiles: cells drawn over all plots

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { profileOf } from "./decode-view.js";

export const GRID_CELLS = 15;
const DEBOUNCE_MS = 300;
const INK = 0.45; // share of full black a decoded pixel of 255 gets: faint, under the points
const TILE_TINT = 0.6; // tabular tiles are mixed this far towards white
const MAX_SD = 4;

export function createDecodedGrid({ toggle, note, state, session, plots, colourBy }) {
  const emitter = createEmitter();
  const decodable = Object.entries(plots).filter(([name]) => name !== "pca");
  const perPlot = new Map(decodable.map(([name]) => [name, { timer: 0, token: 0, tiles: 0 }]));
  let statsPromise = null;

  const enabled = () => toggle.checked;

  function publish() {
    let tiles = 0;
    for (const p of perPlot.values()) tiles += p.tiles;
    emitter.emit("change", { tiles });
  }

  function clearPlot(name) {
    const p = perPlot.get(name);
    p.token++;
    clearTimeout(p.timer);
    p.tiles = 0;
    plots[name].setUnderlay(null);
    plots[name].node().dataset.gridTiles = "0";
    delete plots[name].node().dataset.gridExtent;
  }

  function later(name, delay = DEBOUNCE_MS) {
    const p = perPlot.get(name);
    clearTimeout(p.timer);
    p.timer = setTimeout(() => refresh(name), delay);
  }

  function featureStats(id) {
    if (!statsPromise) {
      statsPromise = api.featureStats(id);
      statsPromise.catch(() => (statsPromise = null));
    }
    return statsPromise;
  }

  /** The raw feature shown by "Colour by" (tiles then show its decoded value), or null. */
  function colouredFeature(names) {
    const choice = colourBy.choice();
    const scale = colourBy.scale();
    if (!choice.startsWith("attr:") || scale?.kind !== "numeric") return null;
    const j = names.indexOf(choice.slice(5));
    return j >= 0 ? { j, scale } : null;
  }

  async function refresh(name) {
    const plot = plots[name];
    const p = perPlot.get(name);
    const exp = state.get().experiment;
    const k = plot.iteration();
    // A live frame of an iteration still training has no stored model to decode with yet.
    if (!enabled() || !exp || !plot.hasData() || k === null || k === undefined || !exp.iterations?.[k]) {
      clearPlot(name);
      publish();
      return;
    }
    if (plot.transitionRunning()) return; // asked again when the move ends ("view")
    const mine = ++p.token;
    const { x: [x0, x1], y: [y0, y1] } = plot.visibleDomain();
    const n = GRID_CELLS;
    const points = [];
    // Row-major from the top-left cell: the mosaic's own pixel order.
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) points.push([x0 + ((c + 0.5) * (x1 - x0)) / n, y1 - ((r + 0.5) * (y1 - y0)) / n]);
    }
    let answer;
    let stats = null;
    try {
      [answer, stats] = await Promise.all([
        api.decode(exp.id, k, points),
        exp.dataset.kind === "image" ? null : featureStats(exp.id),
      ]);
    } catch {
      return; // the next zoom or toggle asks again; a banner per pan would be noise
    }
    if (mine !== p.token || !enabled() || plot.iteration() !== k) return;
    const image = answer.images ? imageMosaic(answer, n) : tileMosaic(answer, stats, n);
    plot.setUnderlay({ image, x: [x0, x1], y: [y0, y1], smooth: Boolean(answer.images) });
    p.tiles = n * n;
    plot.node().dataset.gridTiles = String(p.tiles);
    // The window the tiles cover (tests see a zoom or pan fetch a new grid).
    plot.node().dataset.gridExtent = [x0, x1, y0, y1].map((v) => v.toPrecision(6)).join(",");
    publish();
  }

  // Decoded images side by side with a one-pixel paper-coloured gutter, so neighbouring
  // digits do not run into each other.
  function imageMosaic({ images, shape }, n) {
    const [h, w] = shape;
    const tw = w + 1;
    const th = h + 1;
    const canvas = document.createElement("canvas");
    canvas.width = n * tw;
    canvas.height = n * th;
    const ctx = canvas.getContext("2d");
    const out = ctx.createImageData(canvas.width, canvas.height);
    out.data.fill(255);
    images.forEach((pixels, cell) => {
      const ox = (cell % n) * tw;
      const oy = Math.floor(cell / n) * th;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = 255 - Math.round(INK * (pixels[y * w + x] | 0));
          const o = 4 * ((oy + y) * canvas.width + ox + x);
          out.data[o] = v;
          out.data[o + 1] = v;
          out.data[o + 2] = v;
        }
      }
    });
    ctx.putImageData(out, 0, 0);
    return canvas;
  }

  function tileMosaic({ values }, stats, n) {
    const feature = colouredFeature(stats.feature_names);
    const canvas = document.createElement("canvas");
    canvas.width = n;
    canvas.height = n;
    const ctx = canvas.getContext("2d");
    values.forEach((vector, cell) => {
      const profile = profileOf(vector, stats);
      let color;
      if (feature) {
        color = feature.scale.color(profile[feature.j].raw) || "#ffffff";
      } else {
        const rms = Math.sqrt(d3.mean(profile, (f) => f.z * f.z) || 0);
        color = d3.interpolateGreys(0.02 + 0.36 * Math.min(1, rms / MAX_SD));
      }
      ctx.fillStyle = d3.interpolateRgb(color, "#ffffff")(feature ? TILE_TINT : 0);
      ctx.fillRect(cell % n, Math.floor(cell / n), 1, 1);
    });
    return canvas;
  }

  function describe() {
    const exp = state.get().experiment;
    const n = d3.select(note);
    if (!enabled() || !exp) {
      n.property("hidden", true).text("");
      return;
    }
    let text;
    if (exp.dataset.kind === "image") {
      text = `${GRID_CELLS} × ${GRID_CELLS} decoded images over the visible area`;
    } else {
      const choice = colourBy.choice();
      const isFeature = choice.startsWith("attr:") && (exp.dataset.feature_names || []).includes(choice.slice(5));
      text = isFeature
        ? `Tiles: decoded “${choice.slice(5)}”, on the points' colour scale`
        : `Tiles: how far the decoded profile is from the mean (white 0 → grey ${MAX_SD} SD); colour by a feature to see its decoded value`;
    }
    n.property("hidden", false).text(text);
  }

  function refreshAll(delay = 0) {
    describe();
    for (const [name] of decodable) {
      if (enabled()) later(name, delay);
      else clearPlot(name);
    }
    publish();
  }

  toggle.addEventListener("change", () => refreshAll(0));
  for (const [name, plot] of decodable) {
    plot.on("view", () => enabled() && later(name));
    plot.on("data", () => {
      if (!enabled()) return;
      // The old tiles belong to another iteration: drop them now, draw the new ones soon.
      clearPlot(name);
      later(name, 50);
    });
  }
  colourBy.on("change", () => {
    const exp = state.get().experiment;
    if (enabled() && exp && exp.dataset.kind !== "image") refreshAll(0);
    else describe();
  });
  session.on("reset", () => {
    statsPromise = null;
    for (const [name] of decodable) clearPlot(name);
    publish();
  });
  session.on("adopt", () => describe());

  return { on: emitter.on, refreshAll, enabled };
}
