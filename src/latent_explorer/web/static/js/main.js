// Wires the page: creates the components and hands each flow the ones it drives. The modules
// know nothing of each other; this file decides who talks to whom.
//
//   session.js            the shown experiment: stale-answer token, labels, embeddings
//   page-status.js        status line, Submit button state, test hook
//   selection-controls.js legend / random / clear / brush / lasso -> the shared selection
//   point-tooltip.js      hover -> tooltip with the point's values or image
//   iteration-view.js     plots, tables and images of one iteration
//   job-follower.js       SSE of the running job -> progress, plots, then metrics
//   experiment-flow.js    Train, Submit, reopening from the address

import { api } from "./api.js";
import { createState } from "./state.js";
import { createSelection } from "./selection.js";
import { createScatterplot, SHAPES } from "./scatterplot.js";
import { createLegend } from "./legend.js";
import { createTooltip } from "./tooltip.js";
import { createProgressPanel } from "./progress-panel.js";
import { createMetricsPanel } from "./metrics-panel.js";
import { createSeedsView, withSeeds } from "./seeds-view.js";
import { createImagesPanel } from "./images.js";
import { createHistory } from "./history.js";
import { createTrainControls, isUsable } from "./controls.js";
import { createSelectionToolbar } from "./selection-toolbar.js";
import { createSubmitForm } from "./submit-form.js";
import { createErrorBanner } from "./errors.js";
import { createTestHook } from "./test-hook.js";
import { classColors } from "./colors.js";
import { readUrl } from "./url.js";
import { createSession } from "./session.js";
import { createPageStatus } from "./page-status.js";
import { createSelectionControls } from "./selection-controls.js";
import { createPointTooltip } from "./point-tooltip.js";
import { createIterationView, PLOT_TEXT } from "./iteration-view.js";
import { createJobFollower } from "./job-follower.js";
import { createExperimentFlow } from "./experiment-flow.js";
import { createSideTabs } from "./side-tabs.js";
import { createSelectionUndo } from "./selection-undo.js";
import { createPlotEnlarge } from "./plot-enlarge.js";
import { createFind } from "./find.js";
import { createForgettingView } from "./forgetting-view.js";
import { createRepeatControl } from "./repeat-control.js";
// --- insight ---
import { createInsight, createPcaScatterplot } from "./insight.js";
// --- end insight ---

// ---- components ------------------------------------------------------------------------------
const hook = createTestHook();
const state = createState();
const selection = createSelection();
const errors = createErrorBanner(document.getElementById("error"), {
  onChange: (messages) => hook.update({ errors: messages }),
});
const controls = createTrainControls();
const toolbar = createSelectionToolbar();
const submitForm = createSubmitForm();
const repeatControl = createRepeatControl();
const legend = createLegend(document.getElementById("legend"));
const tooltip = createTooltip(document.getElementById("tooltip"));
const progress = createProgressPanel(document.getElementById("progress-panel"));
// Seeds > 1: ranges across seeds and the verdict drawn over each render (seeds-view.js).
const metricsPanel = withSeeds(
  createMetricsPanel(document.getElementById("metrics-panel")),
  createSeedsView({ root: document.getElementById("metrics-panel"), state }),
);
const imagesPanel = createImagesPanel(document.getElementById("images-panel"), {
  onError: (err) => errors.show(err, "Reconstructions"),
});
const historyStrip = createHistory(document.getElementById("history"));
const sideTabs = createSideTabs(document.querySelector(".side-tabs"));
sideTabs.on("change", ({ panel }) => panel === "panel-history" && historyStrip.reveal());

const plots = {};
for (const [name, text] of Object.entries(PLOT_TEXT)) {
  plots[name] = createScatterplot(document.getElementById(`plot-${name}`), {
    name,
    title: text.title,
    emptyText: text.empty,
    enlargeable: true,
  });
  plots[name].on("draw", (stats) => hook.update({ plots: { [name]: stats } }));
}
const mainPlots = { ...plots }; // the three plots of the work area (the PCA plot is a reference)
// --- insight --- the PCA plot joins the others before the flows below iterate over them
plots.pca = createPcaScatterplot(hook);
// --- end insight ---

// ---- flows -----------------------------------------------------------------------------------
const session = createSession({ state, errors });
const status = createPageStatus({ state, selection, submitForm, controls, hook });
createSelectionControls({ state, session, selection, plots, legend, toolbar, errors });
createSelectionUndo({
  selection,
  session,
  undoButton: document.getElementById("undo-button"),
  redoButton: document.getElementById("redo-button"),
  hook,
});
// Points or density (hexagons where points overlap heavily): one choice for every plot.
const densitySelect = document.getElementById("density-mode");
const setDensity = () => {
  for (const plot of Object.values(plots)) plot.setDensity(densitySelect.value);
};
densitySelect.addEventListener("change", setDensity);
setDensity();
// Shapes as well as colours (colour-blind readers, grey-scale print); the legend follows.
const shapesToggle = document.getElementById("shapes-toggle");
const setShapes = () => {
  for (const plot of Object.values(plots)) plot.setShapes(shapesToggle.checked);
  document.getElementById("legend").dataset.shapes = shapesToggle.checked ? "on" : "off";
};
shapesToggle.addEventListener("change", setShapes);
setShapes();
createPlotEnlarge({ container: document.querySelector("main.plots"), plots: mainPlots, hook });
createFind({
  input: document.getElementById("find-input"),
  countEl: document.getElementById("find-count"),
  state,
  session,
  plots,
  selection,
  toolbar,
  hook,
});
createPointTooltip({ state, session, plots, tooltip });
const view = createIterationView({ state, session, selection, plots, metricsPanel, imagesPanel, progress, errors });
const follower = createJobFollower({ state, session, progress, errors, view });
const flow = createExperimentFlow({
  state,
  session,
  selection,
  controls,
  submitForm,
  repeatControl,
  progress,
  errors,
  view,
  follower,
});

state.on("change", ({ state: s }) => {
  historyStrip.render(s.experiment?.iterations || [], s.currentIteration, { disabled: false });
});
historyStrip.on("pick", (k) => view.show(k));
session.on("adopt", (exp) => {
  const colors = classColors(exp.dataset.class_names.length);
  for (const plot of Object.values(plots)) plot.setColors(colors);
});

// --- insight --- colour by, decode under the cursor, decoded grid, neighbours, PCA, compare
createInsight({ hook, state, session, plots, errors, tabs: sideTabs });
// --- end insight ---

// --- forgetting --- "× N" repeats a Submit; per-class forgetting chart, change rows, strip
createForgettingView({
  state,
  metricsRoot: document.getElementById("metrics-panel"),
  before: document.getElementById("images-panel"),
  showIteration: (k) => view.show(k),
  errors,
  hook,
});
// --- end forgetting ---

// ---- start -------------------------------------------------------------------------------------
async function init() {
  toolbar.setCount(0, 0);
  status.updateSubmit();
  metricsPanel.render(null);
  historyStrip.render([], null);
  for (const plot of Object.values(plots)) plot.setMode(toolbar.tool());
  let list = [];
  try {
    list = (await api.datasets()).datasets;
  } catch (err) {
    errors.show(err, "Loading the dataset list");
  }
  state.set({ datasets: list });
  const wanted = document.body.dataset.defaultDataset;
  const usable = list.filter(isUsable);
  const first = (usable.find((d) => d.name === wanted) || usable.find((d) => d.name === "iris") || usable[0])?.name;
  controls.setDatasets(list, first);
  const { id } = readUrl();
  if (!id && first) await flow.loadModelInfo(first, controls.model());
  await flow.openFromUrl();
}

init();

// --- persistence, uploads, exports ------------------------------------------------------------
//   experiments-list.js   "Recent experiments" menu (open, delete) and the interrupted-job note
//   upload-form.js        "Upload CSV…" -> dialog -> a new dataset in the picker
//   exports-menu.js       "Export" menu: CSV / JSON / checkpoint links, plots as PNG / SVG
//   plot-export.js        draws a plot into a PNG or a standalone SVG
// Imports are hoisted wherever they stand; they sit here so that this block stays one piece.
import { createRecentExperiments, createJobNote } from "./experiments-list.js";
import { createUploadForm } from "./upload-form.js";
import { createExportsMenu } from "./exports-menu.js";
import { exportPlot, figureCaption, plotFileName } from "./plot-export.js";
import { setUrl } from "./url.js";

const recent = createRecentExperiments(document.getElementById("recent-menu"), { errors });
const jobNote = createJobNote(document.getElementById("job-note"));
const exportsMenu = createExportsMenu(document.getElementById("export-menu"));
const uploadForm = createUploadForm(document.getElementById("upload-dialog"), document.getElementById("upload-button"));

const plotTitle = (name) => plots[name].node().querySelector(".plot-title")?.textContent || name;
const MODEL_NAMES = { ae: "AE", vae: "VAE" };

function renderExports() {
  const s = state.get();
  const ds = s.experiment?.dataset;
  const k = s.currentIteration;
  exportsMenu.render({
    id: s.experimentId,
    k,
    title: ds ? `${ds.title || ds.name} · ${MODEL_NAMES[s.experiment.model] || s.experiment.model}` : "",
    measured: s.metricsReady || Boolean(s.experiment?.iterations?.[k]?.measured),
    // Plots the page hides (the PCA plot until it is asked for) are not offered.
    plots: Object.keys(plots)
      .map((name, i) => ({ name, title: `Plot ${i + 1} · ${plotTitle(name)}`, points: plots[name].stats().pointsDrawn }))
      .filter(({ name }) => !plots[name].node().closest("[hidden]")),
  });
}

// The list follows what this tab does: a Train or a Submit changes the status, opening another
// experiment its id. Several changes in a row make one request.
let recentTimer = 0;
state.on("change", ({ state: s, changed }) => {
  if (changed.includes("experimentId")) recent.setCurrent(s.experimentId);
  if (changed.includes("experiment") || changed.includes("experimentId")) jobNote.render(s.experiment);
  if (changed.includes("experimentId") || changed.includes("status")) {
    clearTimeout(recentTimer);
    recentTimer = setTimeout(() => recent.refresh(), 150);
  }
  renderExports();
});
// Plots draw a frame after their data arrive: the menu's PNG / SVG buttons follow the counts.
const drawnCounts = {};
for (const [name, plot] of Object.entries(plots)) {
  plot.on("draw", ({ pointsDrawn }) => {
    if (drawnCounts[name] === pointsDrawn) return;
    drawnCounts[name] = pointsDrawn;
    renderExports();
  });
}
document.getElementById("export-menu").addEventListener("toggle", renderExports);

recent.on("open", (id) => {
  if (id === state.get().experimentId) return;
  setUrl(id, null, "push");
  flow.openFromUrl();
});
recent.on("deleted", (id) => {
  // The shown experiment is gone: show the empty page rather than plots of nothing.
  if (id !== state.get().experimentId) return;
  setUrl(null, null, "push");
  flow.openFromUrl();
});

exportsMenu.on("plot", async ({ name, format }) => {
  const s = state.get();
  const ds = s.experiment?.dataset;
  const filename = plotFileName({
    dataset: ds?.name,
    model: s.experiment?.model,
    iteration: plots[name].stats().iteration,
    plot: name,
    ext: format,
  });
  const title = [plotTitle(name), ds?.title || ds?.name, MODEL_NAMES[s.experiment?.model]].filter(Boolean).join(" · ");
  exportsMenu.setBusy(name, format, true);
  try {
    const k = plots[name].stats().iteration;
    const it = Number.isInteger(k) ? s.experiment?.iterations?.[k] : null;
    const colourBy = window.__explorer?.colourBy || "class";
    const classNames = ds?.class_names || [];
    const colors = classColors(classNames.length);
    await exportPlot(plots[name], {
      format,
      filename,
      // The iteration once: plot titles mostly name it already ("All points, iteration 11").
      title: [title, Number.isInteger(k) && !new RegExp(`\\biteration ${k}\\b`, "i").test(title) ? `iteration ${k}` : ""]
        .filter(Boolean)
        .join(" · "),
      selection: selection.set,
      // The class legend while points wear class colours; another colouring is named instead.
      // With "Shapes" on, each entry shows its class's shape as the plot draws it.
      legend:
        colourBy === "class"
          ? classNames.map((n, c) => ({ name: n, color: colors[c], shape: shapesToggle.checked ? SHAPES[c % SHAPES.length] : null }))
          : [],
      caption: figureCaption({
        iteration: k,
        nPoints: plots[name].stats().pointsDrawn,
        metrics: it?.metrics || null,
        selected: selection.size,
        colouredBy: colourBy === "class" ? null : document.getElementById("colour-by")?.selectedOptions?.[0]?.textContent,
      }),
    });
    hook.update({ lastExport: filename });
  } catch (err) {
    errors.show(err, `Exporting ${plotTitle(name)} as ${format.toUpperCase()}`);
  } finally {
    exportsMenu.setBusy(name, format, false);
  }
});

uploadForm.on("created", async (dataset) => {
  errors.clear();
  let list;
  try {
    list = (await api.datasets()).datasets;
  } catch (err) {
    errors.show(err, "Loading the dataset list");
    return;
  }
  state.set({ datasets: list });
  controls.setDatasets(list, dataset.name);
  await flow.loadModelInfo(dataset.name, controls.model());
  status.renderStatus(); // the plots still show the experiment before: say so
});

recent.refresh();
renderExports();
