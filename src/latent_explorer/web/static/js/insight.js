// What the latent space means: wires the insight views to the plots, the page state and the
// test hook. Each view is its own module; this file only connects them, so main.js needs one
// call (and one extra plot, created before the flows so hover and selection include it).
//
//   colour-by.js        "Colour by": class, per-point quality (distortion map), attributes
//   decode-view.js      hover empty space: the decoder's image / feature profile there
//   decoded-grid.js     a 15 x 15 decoded grid under the points
//   neighbours-view.js  click a point: its k nearest neighbours, torn apart or not
//   pca-plot.js         "Show PCA": the data's PCA beside the plots (side column tab)
//   compare-panel.js    two iterations' metrics side by side
//   transition.js       plot 3 moves from the parent's coordinates (the "Animate" switch)
//
// Test hook fields (window.__explorer): colourBy, neighbours {id, space, ids, iteration},
// decodeShown, gridTiles, transition {running, done: moves completed so far}, pcaShown,
// screenPosition(plot, id) -> [clientX, clientY] of a drawn point.

import { createScatterplot } from "./scatterplot.js";
import { createColourBy } from "./colour-by.js";
import { createDecodeView } from "./decode-view.js";
import { createDecodedGrid } from "./decoded-grid.js";
import { createNeighboursView } from "./neighbours-view.js";
import { createPcaPlot, PCA_TEXT } from "./pca-plot.js";
import { createComparePanel } from "./compare-panel.js";

const byId = (id) => document.getElementById(id);

/** The PCA plot, created with the other plots (before the flows that iterate over them). */
export function createPcaScatterplot(hook) {
  const plot = createScatterplot(byId("plot-pca"), { name: "pca", title: PCA_TEXT.title, emptyText: PCA_TEXT.empty });
  plot.on("draw", (stats) => hook.update({ plots: { pca: stats } }));
  return plot;
}

export function createInsight({ hook, state, session, plots, errors, tabs }) {
  hook.update({
    colourBy: "class",
    colourFill: {},
    neighbours: { id: null, space: "original", ids: [], iteration: null },
    decodeShown: false,
    gridTiles: 0,
    transition: { running: false, done: 0 },
    pcaShown: false,
  });

  // Tests move the pointer onto a drawn point: where plot `name` draws point `id` (client px).
  hook.update({ screenPosition: (name, id) => plots[name]?.screenPosition(id) ?? null });

  const colourBy = createColourBy({ select: byId("colour-by"), legend: byId("colour-legend"), state, session, plots });
  colourBy.on("change", ({ choice, fill }) => {
    // colourFill: {k: {measured, total}} of the per-point values colouring the plots.
    hook.update({ colourBy: choice, colourFill: fill || {} });
    // The class legend stays for selecting classes; its swatches no longer name the colours.
    byId("legend")?.classList.toggle("is-recoloured", choice !== "class");
  });

  const decode = createDecodeView({ root: byId("decode-view"), state, session, plots });
  decode.on("change", ({ shown }) => hook.update({ decodeShown: shown }));

  const grid = createDecodedGrid({
    toggle: byId("grid-toggle"),
    note: byId("grid-note"),
    state,
    session,
    plots,
    colourBy,
  });
  grid.on("change", ({ tiles }) => hook.update({ gridTiles: tiles }));

  const neighbours = createNeighboursView({
    kInput: byId("neighbours-k"),
    spaceInputs: document.querySelectorAll("input[name=nb-space]"),
    note: byId("neighbours-note"),
    state,
    session,
    plots,
    errors,
  });
  neighbours.on("change", (n) => hook.update({ neighbours: n }));

  const pca = createPcaPlot({
    button: byId("pca-toggle"),
    plot: plots.pca,
    pcaEl: byId("plot-pca"),
    tabs,
    state,
    session,
    errors,
  });
  pca.on("change", ({ shown }) => hook.update({ pcaShown: shown }));

  // Plot 3 moves from the parent's coordinates (iteration-view.js hands them over).
  const animate = byId("animate-toggle");
  const setAnimate = () => {
    for (const plot of Object.values(plots)) plot.setAnimate(animate.checked);
  };
  animate.addEventListener("change", setAnimate);
  setAnimate();
  let done = 0;
  for (const plot of Object.values(plots)) {
    plot.on("transition", ({ running, cancelled }) => {
      if (!running && !cancelled) done++;
      hook.update({ transition: { running, done } });
    });
  }

  const compare = createComparePanel(byId("compare-panel"));
  const renderCompare = (s) => compare.render(s.experiment, s.currentIteration);
  state.on("change", ({ state: s, changed }) => {
    if (changed.includes("experiment") || changed.includes("currentIteration")) renderCompare(s);
  });
  renderCompare(state.get());

  return { colourBy, decode, grid, neighbours, pca, compare };
}
