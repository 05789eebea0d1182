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
import { createScatterplot } from "./scatterplot.js";
import { createLegend } from "./legend.js";
import { createTooltip } from "./tooltip.js";
import { createProgressPanel } from "./progress-panel.js";
import { createMetricsPanel } from "./metrics-panel.js";
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
const legend = createLegend(document.getElementById("legend"));
const tooltip = createTooltip(document.getElementById("tooltip"));
const progress = createProgressPanel(document.getElementById("progress-panel"));
const metricsPanel = createMetricsPanel(document.getElementById("metrics-panel"));
const imagesPanel = createImagesPanel(document.getElementById("images-panel"), {
  onError: (err) => errors.show(err, "Reconstructions"),
});
const historyStrip = createHistory(document.getElementById("history"));

const plots = {};
for (const [name, text] of Object.entries(PLOT_TEXT)) {
  plots[name] = createScatterplot(document.getElementById(`plot-${name}`), {
    name,
    title: text.title,
    emptyText: text.empty,
  });
  plots[name].on("draw", (stats) => hook.update({ plots: { [name]: stats } }));
}

// ---- flows -----------------------------------------------------------------------------------
const session = createSession({ state, errors });
const status = createPageStatus({ state, selection, submitForm, controls, hook });
createSelectionControls({ state, session, selection, plots, legend, toolbar, errors });
createPointTooltip({ state, session, plots, tooltip });
const view = createIterationView({ state, session, selection, plots, metricsPanel, imagesPanel, progress, errors });
const follower = createJobFollower({ state, session, progress, errors, view });
const flow = createExperimentFlow({
  state,
  session,
  selection,
  controls,
  submitForm,
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
