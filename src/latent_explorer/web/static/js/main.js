// Wires the page: state, the shared selection, the three plots and the panels. The modules
// know nothing of each other; this file decides what follows what.

import { d3 } from "./d3.js";
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
import { sample } from "./random.js";
import { formatSeconds } from "./format.js";

const EXPERIMENT_ID = /^[0-9a-f]{32}$/;
const TOOLTIP_DELAY_MS = 120;

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

const PLOT_TEXT = {
  initial: { title: "Before", empty: "Train a model to see its 2-D latent space." },
  selected: {
    title: "Selected points",
    empty: "Select points and press Submit: the points trained on appear here.",
  },
  all: { title: "All points", empty: "After a Submit: every point, projected by the new model." },
};
const plots = {};
for (const [name, text] of Object.entries(PLOT_TEXT)) {
  plots[name] = createScatterplot(document.getElementById(`plot-${name}`), {
    name,
    title: text.title,
    emptyText: text.empty,
  });
}

// ---- per-experiment data (reset by resetExperimentView) --------------------------------------
let session = 0; // bumped for every experiment shown: answers for an older one are dropped
let stream = null; // the open EventSource wrapper
let labels = null; // Int32Array: class of each point id
let classIdsCache = new Map(); // class index -> ids
const embeddings = new Map(); // iteration -> Promise of embedding answer
const pointCache = new Map(); // id -> tooltip record
let hovered = null; // id under the pointer in any plot
let pointer = [0, 0]; // its last client position, to place a tooltip that finished loading

// ---- state -> views ----------------------------------------------------------------------------
state.on("change", ({ state: s, changed }) => {
  const busy = s.status === "training";
  controls.setBusy(busy);
  updateSubmit();
  historyStrip.render(s.experiment?.iterations || [], s.currentIteration, { disabled: false });
  const status = d3.select("#status").attr("data-status", s.status);
  status.text(statusText(s));
  if (changed.includes("experimentId")) d3.select("body").attr("data-experiment", s.experimentId || "");
  publish();
});

function statusText(s) {
  if (!s.experimentId) return "No experiment yet";
  const name = s.experiment?.dataset?.title || s.experiment?.dataset?.name || s.datasetName || "";
  const model = (s.experiment?.model || s.model || "").toUpperCase();
  const prefix = name ? `${name} · ${model} · ` : "";
  switch (s.status) {
    case "training":
      return `${prefix}training iteration ${s.job?.iteration ?? ""}…`;
    case "ready":
      return `${prefix}iteration ${s.currentIteration ?? "–"} shown`;
    case "failed":
      return `${prefix}training failed`;
    case "cancelled":
      return `${prefix}training cancelled`;
    default:
      return prefix || "Idle";
  }
}

function publish() {
  const s = state.get();
  hook.update({
    experimentId: s.experimentId,
    status: s.status,
    datasetName: s.experiment?.dataset?.name || s.datasetName,
    model: s.experiment?.model || s.model,
    selectionSize: selection.size,
    selectedIds: () => selection.toSortedArray(),
    currentIteration: s.currentIteration,
    parentIteration: s.parentIteration,
    iterations: s.experiment?.iterations?.length || 0,
    metrics: s.metrics,
  });
}

function nPoints() {
  return labels ? labels.length : 0;
}

function updateSubmit() {
  const s = state.get();
  submitForm.setState({
    hasSelection: selection.size > 0,
    ready: Boolean(s.experiment?.iterations?.length),
    busy: s.status === "training",
    parent: s.currentIteration ?? 0,
  });
}

// ---- selection ---------------------------------------------------------------------------------
selection.on("change", () => {
  for (const plot of Object.values(plots)) plot.setSelection(selection.set);
  toolbar.setCount(selection.size, nPoints());
  legend.setSelectedFractions(classFractions());
  updateSubmit();
  publish();
});

function classIds(c) {
  if (!classIdsCache.has(c)) {
    const ids = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) ids.push(i);
    classIdsCache.set(c, ids);
  }
  return classIdsCache.get(c);
}

function classFractions() {
  const names = state.get().experiment?.dataset?.class_names || [];
  if (!labels) return [];
  return names.map((_, c) => {
    const ids = classIds(c);
    if (!ids.length || !selection.size) return 0;
    let n = 0;
    for (const id of ids) if (selection.has(id)) n++;
    return n / ids.length;
  });
}

legend.on("toggle", ({ classIndex, shift, alt }) => {
  if (!labels) return;
  const ids = classIds(classIndex);
  const names = state.get().experiment.dataset.class_names;
  const record = { method: "class", params: { classes: [classIndex], class_names: [names[classIndex]] } };
  let op = alt ? "subtract" : shift ? "add" : toolbar.op();
  const full = ids.length > 0 && ids.every((id) => selection.has(id));
  // A second click on a fully selected class takes it out again (a toggle).
  if (full && op === "replace" && selection.size === ids.length) {
    selection.clear("legend");
    return;
  }
  if (full && op === "add") op = "subtract";
  selection.apply(op, ids, record, "legend");
});

toolbar.on("random", ({ amount, unit, seed }) => {
  const n = nPoints();
  if (!n) return errors.show("Train a model first: random picks are drawn from its points");
  const count = unit === "percent" ? Math.max(1, Math.round((amount / 100) * n)) : Math.round(amount);
  if (!Number.isFinite(amount) || amount <= 0 || count < 1 || count > n) {
    const limit = unit === "percent" ? "between 0 and 100 %" : `between 1 and ${n}`;
    return errors.show(`Random count (${amount}) must be ${limit}`);
  }
  if (!Number.isInteger(seed) || seed < 0) return errors.show(`Random seed (${seed}) must be a whole number ≥ 0`);
  const params = { count, seed };
  if (unit === "percent") params.fraction = amount / 100;
  selection.apply(toolbar.op(), sample(d3.range(n), count, seed), { method: "random", params }, "random");
});

toolbar.on("clear", () => selection.clear("clear"));
toolbar.on("tool", (tool) => {
  for (const plot of Object.values(plots)) plot.setMode(tool);
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !event.defaultPrevented) {
    selection.clear("escape");
    tooltip.hide();
  }
});

// ---- plots: selection gestures, hover, stats ------------------------------------------------
for (const [name, plot] of Object.entries(plots)) {
  plot.on("select", ({ ids, method, params }) => selection.apply(toolbar.op(), ids, { method, params }, name));
  plot.on("pointclick", ({ id }) => {
    // A click toggles one point, so an idle click never wipes a careful selection.
    const op = selection.has(id) ? "subtract" : "add";
    selection.apply(op, [id], { method: "manual", params: { ids: [id] } }, name);
  });
  plot.on("hover", ({ id, clientX, clientY }) => {
    hovered = id;
    if (clientX !== undefined) pointer = [clientX, clientY];
    for (const other of Object.values(plots)) other.setHover(id);
    if (id === null) tooltip.hide();
    else showTooltip(id, clientX, clientY);
  });
  plot.on("draw", (stats) => {
    hook.update({ plots: { [name]: stats } });
  });
}

function pointBasics(id) {
  const ds = state.get().experiment?.dataset;
  const c = labels ? labels[id] : -1;
  return {
    id,
    className: ds?.class_names?.[c] ?? `class ${c}`,
    color: classColors(ds?.class_names?.length || 1)[c] || "#888",
  };
}

async function showTooltip(id, clientX, clientY) {
  const cached = pointCache.get(id);
  if (cached) return tooltip.show({ ...pointBasics(id), ...cached }, clientX, clientY);
  tooltip.show({ ...pointBasics(id), loading: true }, clientX, clientY);
  const mine = session;
  // Sweeping across a dense cloud passes hundreds of points: ask only where the pointer rests.
  await new Promise((resolve) => setTimeout(resolve, TOOLTIP_DELAY_MS));
  if (hovered !== id || mine !== session) return;
  try {
    const answer = await api.points(state.get().experimentId, [id]);
    if (mine !== session) return;
    const record = pointRecord(answer);
    pointCache.set(id, record);
    // Only redraw if the pointer is still on this point.
    if (hovered === id) tooltip.show({ ...pointBasics(id), ...record }, ...pointer);
  } catch (err) {
    if (mine === session) tooltip.hide();
  }
}

function pointRecord(answer) {
  const record = {};
  if (answer.pixels) {
    record.pixels = answer.pixels[0];
    record.shape = answer.shape;
  }
  if (answer.values) {
    record.features = answer.feature_names.map((name, j) => [name, answer.values[0][j]]);
  }
  if (answer.attributes) {
    record.attributes = Object.entries(answer.attributes).map(([name, values]) => [name, values[0]]);
  }
  return record;
}

// ---- training controls ---------------------------------------------------------------------
controls.on("dataset", (name) => loadModelInfo(name, controls.model()));
controls.on("model", (model) => {
  state.set({ model });
  const info = state.get().modelInfo;
  if (info) controls.setParameters(info, model);
});
controls.on("train", () => startExperiment());

async function loadModelInfo(name, model, overrides = null) {
  state.set({ datasetName: name, model });
  try {
    const info = await api.models(name);
    if (controls.dataset() !== name) return; // the user picked another one meanwhile
    state.set({ modelInfo: info });
    controls.setParameters(info, model, overrides);
  } catch (err) {
    errors.show(err, "Loading model settings");
  }
}

async function startExperiment() {
  const dataset = controls.dataset();
  const model = controls.model();
  const entry = state.get().datasets.find((d) => d.name === dataset);
  if (!entry) return errors.show("Choose a dataset first");
  if (!isUsable(entry)) return errors.show(`${entry.title || entry.name} is not available: ${entry.how_to_get}`);
  const { config, errors: problems } = controls.readConfig(model);
  if (problems.length) {
    problems.forEach((p) => errors.show(p));
    return;
  }
  errors.clear();
  controls.setBusy(true);
  let answer;
  try {
    answer = await api.createExperiment({ dataset, model, config });
  } catch (err) {
    controls.setBusy(false);
    return errors.show(err, "Train");
  }
  resetExperimentView();
  setUrl(answer.id, null, "push");
  state.set({
    experimentId: answer.id,
    experiment: null,
    status: "training",
    job: { kind: "initial", iteration: 0, epochs: config.epochs ?? null },
    currentIteration: null,
    parentIteration: null,
    metrics: null,
  });
  progress.start({ kind: "initial", iteration: 0, epochs: config.epochs ?? 0 });
  const mine = session;
  await refreshExperiment(mine);
  if (mine === session) followJob(mine);
}

// ---- jobs --------------------------------------------------------------------------------------
progress.cancelButton.addEventListener("click", async () => {
  const id = state.get().experimentId;
  if (!id) return;
  progress.cancelButton.disabled = true;
  try {
    await api.cancelJob(id);
  } catch (err) {
    errors.show(err, "Cancel");
    progress.cancelButton.disabled = false;
  }
});

submitForm.on("submit", async () => {
  const s = state.get();
  const read = submitForm.read();
  if (read.error) return errors.show(read.error);
  if (!selection.size) return errors.show("Select points first");
  const parent = s.currentIteration ?? 0;
  const body = {
    parent,
    selected_ids: selection.toSortedArray(),
    selection: selection.how || { method: "manual", params: {} },
    mode: read.mode,
    epochs: read.epochs,
  };
  const mine = session;
  // Busy at once, so a double click cannot send two jobs.
  state.set({ status: "training", job: { kind: "retrain", iteration: null, epochs: read.epochs } });
  let answer;
  try {
    answer = await api.submitIteration(s.experimentId, body);
  } catch (err) {
    if (mine !== session) return;
    state.set({ status: s.status, job: null });
    return errors.show(err, "Submit");
  }
  if (mine !== session) return;
  errors.clear();
  state.set({ job: { kind: "retrain", iteration: answer.iteration, epochs: read.epochs } });
  progress.start({ kind: "retrain", iteration: answer.iteration, epochs: read.epochs || 0 });
  followJob(mine);
});

/** Follow the running job's events until it ends, then load its result. */
function followJob(mine) {
  stream?.close();
  const id = state.get().experimentId;
  stream = api.events(id, {
    progress(p) {
      if (mine !== session) return;
      progress.update(p);
    },
    async done({ iteration }) {
      if (mine !== session) return;
      let exp = await refreshExperiment(mine);
      // The iteration is stored before "done" is sent; still, never show a half-written one.
      for (let tries = 0; exp && !exp.iterations[iteration] && tries < 5; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        exp = await refreshExperiment(mine);
      }
      if (!exp || mine !== session) return;
      const it = exp.iterations[iteration];
      progress.finish(
        "done",
        it ? `done · ${it.epochs} epochs in ${formatSeconds(it.train_seconds)}, metrics in ${formatSeconds(it.metric_seconds)}` : "done",
      );
      state.set({ status: "ready", job: null });
      await showIteration(iteration, mine, { fromJob: true });
    },
    async error({ message }) {
      if (mine !== session) return;
      progress.finish("failed", `failed: ${message || "unknown error"}`);
      errors.show(message || "unknown error", "Training failed");
      await refreshExperiment(mine);
      if (mine === session) state.set({ status: "failed", job: null });
    },
    async cancelled() {
      if (mine !== session) return;
      progress.finish("cancelled", "cancelled");
      await refreshExperiment(mine);
      if (mine === session) state.set({ status: "cancelled", job: null });
    },
    async idle() {
      // No job runs (it ended before we connected): take what the server has.
      if (mine !== session) return;
      const exp = await refreshExperiment(mine);
      if (!exp || mine !== session) return;
      settleAfterJob(exp, mine);
    },
    async disconnect() {
      if (mine !== session) return;
      const exp = await refreshExperiment(mine);
      if (!exp || mine !== session) return;
      if (exp.status === "training") setTimeout(() => mine === session && followJob(mine), 2000);
      else settleAfterJob(exp, mine);
    },
  });
}

function settleAfterJob(exp, mine) {
  const last = exp.iterations.length - 1;
  if (exp.status === "failed" || exp.status === "cancelled") {
    progress.finish(exp.status, exp.error ? `failed: ${exp.error}` : exp.status);
    if (exp.error) errors.show(exp.error, "Training failed");
  } else {
    progress.finish("done");
  }
  state.set({ status: exp.status === "training" ? "ready" : exp.status, job: null });
  if (last >= 0 && state.get().currentIteration !== last) showIteration(last, mine, { fromJob: true });
}

// ---- experiments and iterations ---------------------------------------------------------------
async function refreshExperiment(mine) {
  try {
    const exp = await api.experiment(state.get().experimentId);
    if (mine !== session) return null;
    adoptExperiment(exp);
    return exp;
  } catch (err) {
    if (mine === session) errors.show(err, "Loading the experiment");
    return null;
  }
}

function adoptExperiment(exp) {
  const first = !state.get().experiment;
  state.set({ experiment: exp, datasetName: exp.dataset.name, model: exp.model });
  if (first) {
    const colors = classColors(exp.dataset.class_names.length);
    for (const plot of Object.values(plots)) plot.setColors(colors);
  }
}

function resetExperimentView() {
  session++;
  stream?.close();
  stream = null;
  labels = null;
  classIdsCache = new Map();
  embeddings.clear();
  pointCache.clear();
  selection.clear("reset");
  for (const plot of Object.values(plots)) plot.setData(null);
  setPlotTitles(null, null);
  legend.setClasses([]);
  metricsPanel.render(null);
  imagesPanel.clear();
  tooltip.hide();
  toolbar.setCount(0, 0);
}

function embedding(k) {
  if (!embeddings.has(k)) {
    const id = state.get().experimentId;
    const p = api.embedding(id, k);
    p.catch(() => embeddings.delete(k)); // let a later call retry
    embeddings.set(k, p);
  }
  return embeddings.get(k);
}

function setPlotTitles(parent, current) {
  plots.initial.setTitle(parent === null ? PLOT_TEXT.initial.title : `Before: iteration ${parent}`);
  plots.selected.setTitle(current ? `Selected points, iteration ${current}` : PLOT_TEXT.selected.title);
  plots.all.setTitle(current ? `All points, iteration ${current}` : PLOT_TEXT.all.title);
}

/**
 * Show iteration k: its parent in plot 1, the points it trained on in plot 2, all points in
 * plot 3, with its metrics and reconstructions. Iteration 0 fills plot 1 alone.
 */
async function showIteration(k, mine = session, { fromJob = false, fromUrl = false } = {}) {
  const exp = state.get().experiment;
  const it = exp?.iterations?.[k];
  if (!it) return;
  const parent = k === 0 ? 0 : it.parent;
  let before;
  let after;
  let metrics;
  try {
    [before, after, metrics] = await Promise.all([
      embedding(parent),
      k === 0 ? null : embedding(k),
      api.metrics(exp.id, k),
    ]);
  } catch (err) {
    if (mine === session) errors.show(err, `Loading iteration ${k}`);
    return;
  }
  if (mine !== session) return;

  if (!labels) adoptLabels(before.labels, exp.dataset);
  plots.initial.setData({ x: before.x, y: before.y, labels: before.labels, iteration: parent });
  if (after) {
    const trained = after.selected || [];
    plots.selected.setData({
      x: trained.map((i) => after.x[i]),
      y: trained.map((i) => after.y[i]),
      labels: trained.map((i) => after.labels[i]),
      ids: trained,
      iteration: k,
    });
    plots.all.setData({ x: after.x, y: after.y, labels: after.labels, iteration: k });
    // Viewing iteration K means looking at the points it trained on: make them the selection
    // (so plot 3 emphasises them and a new Submit can start from them).
    if (!sameIds(selection.toSortedArray(), trained)) {
      selection.replace(trained, it.selection || { method: "ids", params: {} }, "history");
    }
  } else {
    plots.selected.setData(null);
    plots.all.setData(null);
  }
  setPlotTitles(parent, k);
  state.set({ currentIteration: k, parentIteration: parent, metrics });
  if (!fromUrl) setUrl(exp.id, k, "replace");

  metricsPanel.render({
    model: exp.model,
    before: k === 0 ? { iteration: 0, groups: metrics.metrics } : { iteration: parent, groups: metrics.parent_metrics },
    after: k === 0 ? null : { iteration: k, groups: metrics.metrics },
  });
  if (state.get().status !== "training" && !fromJob) {
    progress.showHistory({ kind: it.mode === "initial" ? "initial" : "retrain", iteration: k, losses: it.losses });
  }
  if (exp.dataset.kind === "image") {
    imagesPanel.show({
      experimentId: exp.id,
      nPoints: nPoints(),
      parent: k === 0 ? null : parent,
      current: k,
      trainedIds: after ? after.selected : null,
      classNames: exp.dataset.class_names,
      labels,
    });
  } else {
    imagesPanel.clear();
  }
}

function sameIds(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function adoptLabels(values, dataset) {
  labels = Int32Array.from(values);
  classIdsCache = new Map();
  const colors = classColors(dataset.class_names.length);
  const counts = new Array(dataset.class_names.length).fill(0);
  for (const c of labels) if (c >= 0 && c < counts.length) counts[c]++;
  legend.setClasses(dataset.class_names.map((name, index) => ({ index, name, color: colors[index], count: counts[index] })));
  legend.setSelectedFractions(classFractions());
  toolbar.setCount(selection.size, labels.length);
}

historyStrip.on("pick", (k) => showIteration(k));

// ---- URL: ?experiment=<id>&iteration=<k> ------------------------------------------------------
function setUrl(id, k, how) {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set("experiment", id);
  else url.searchParams.delete("experiment");
  if (k !== null && k !== undefined) url.searchParams.set("iteration", String(k));
  else url.searchParams.delete("iteration");
  if (url.href === window.location.href) return;
  if (how === "push") window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

function readUrl() {
  const params = new URL(window.location.href).searchParams;
  const id = params.get("experiment");
  const k = params.get("iteration");
  return { id, iteration: k !== null && /^\d+$/.test(k) ? Number(k) : null };
}

async function restoreExperiment(id, iteration) {
  resetExperimentView();
  const mine = session;
  state.set({ experimentId: id, experiment: null, status: "idle", currentIteration: null, parentIteration: null, metrics: null });
  let exp;
  try {
    exp = await api.experiment(id);
  } catch (err) {
    if (mine !== session) return;
    errors.show(err, "Opening the experiment in the address bar");
    setUrl(null, null, "replace");
    state.set({ experimentId: null, status: "idle" });
    return;
  }
  if (mine !== session) return;
  controls.setDataset(exp.dataset.name);
  controls.setModel(exp.model);
  loadModelInfo(exp.dataset.name, exp.model, exp.config);
  adoptExperiment(exp);
  state.set({ status: exp.status, job: exp.status === "training" ? exp.job : null });
  const last = exp.iterations.length - 1;
  if (last >= 0) {
    const k = iteration !== null && iteration <= last ? iteration : last;
    await showIteration(k, mine, { fromUrl: iteration === k });
  }
  if (mine !== session) return;
  if (exp.status === "training" && exp.job) {
    progress.start({ kind: exp.job.kind, iteration: exp.job.iteration, epochs: exp.job.epochs });
    followJob(mine);
  } else if (exp.status === "failed" && exp.error) {
    errors.show(exp.error, "Training failed");
  }
}

async function openFromUrl() {
  const { id, iteration } = readUrl();
  if (id && EXPERIMENT_ID.test(id)) {
    await restoreExperiment(id, iteration);
  } else {
    if (id) {
      errors.show(`The address holds an invalid experiment id (${id}); it must be 32 hexadecimal characters`);
      setUrl(null, null, "replace");
    }
    resetExperimentView();
    state.set({ experimentId: null, experiment: null, status: "idle", currentIteration: null, parentIteration: null });
    progress.hide();
  }
}

window.addEventListener("popstate", () => openFromUrl());

// ---- start -------------------------------------------------------------------------------------
async function init() {
  toolbar.setCount(0, 0);
  updateSubmit();
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
  if (!id && first) await loadModelInfo(first, controls.model());
  await openFromUrl();
}

init();
