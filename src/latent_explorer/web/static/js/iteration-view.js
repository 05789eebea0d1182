// Showing one iteration K: its parent P in plot 1, the points K trained on in plot 2, all
// points in plot 3, the quality tables and the reconstructions. Iteration 0 fills plot 1 alone.
//
// A job announces K's coordinates ("projected") seconds before its metrics are measured, so
// the plots are drawn first and the tables say "computing…"; fillMetrics(K) completes the view
// once the job is done. While K trains, live frames of its coordinates (showLive) animate
// plot 1 (iteration 0) or plot 3 (a Submit), and K's own coordinates move on from the last.

import { api } from "./api.js";
import { setUrl } from "./url.js";
import { installScaleHook } from "./scale-hook.js";

export const PLOT_TEXT = {
  initial: { title: "Before", empty: "Train a model to see its 2-D latent space." },
  selected: {
    title: "Selected points",
    empty: "Select points and press Submit: the points trained on appear here.",
  },
  all: { title: "All points", empty: "After a Submit: every point, projected by the new model." },
};

export function createIterationView({ state, session, selection, plots, metricsPanel, imagesPanel, progress, errors }) {
  let shown = null; // {k, parent} whose coordinates the plots hold
  let live = null; // {k, x, y, epoch}: the last live frame drawn of iteration k, while it trains

  function setPlotTitles(parent, current) {
    plots.initial.setTitle(parent === null ? PLOT_TEXT.initial.title : `Before: iteration ${parent}`);
    plots.selected.setTitle(current ? `Selected points, iteration ${current}` : PLOT_TEXT.selected.title);
    plots.all.setTitle(current ? `All points, iteration ${current}` : PLOT_TEXT.all.title);
  }

  function clear() {
    shown = null;
    live = null;
    for (const plot of Object.values(plots)) plot.setData(null);
    setPlotTitles(null, null);
    metricsPanel.render(null);
    imagesPanel.clear();
  }

  function drawPlots(k, parent, before, after, it) {
    // The points move on from the last live frame of k, if one is drawn (same points, same rows).
    const fromLive = live?.k === k ? { x: live.x, y: live.y } : null;
    live = null;
    // x, y (Float32Array views of the binary answer) and labels go to the plots uncopied.
    // Plot 1 jumps from iteration 0's last frame to its stored coordinates (they are the same
    // model's or a few epochs on): a move would only delay the first click on a point.
    plots.initial.setData({ x: before.x, y: before.y, labels: before.labels, iteration: parent });
    if (after) {
      const trained = after.selected || [];
      plots.selected.setData({ ...rowsOf(after, trained), ids: trained, iteration: k });
      // Plot 3 moves from where the parent had the points (when "Animate" is on).
      plots.all.setData({ x: after.x, y: after.y, labels: after.labels, iteration: k }, { from: fromLive || before });
      // Viewing iteration K means looking at the points it trained on: make them the selection
      // (so plot 3 emphasises them and a new Submit can start from them).
      if (!sameIds(selection.toSortedArray(), trained)) {
        selection.replace(trained, it.selection || { method: "ids", params: {} }, "history");
      }
    } else {
      plots.selected.setData(null);
      plots.all.setData(null);
    }
    shown = { k, parent };
  }

  /** Fill the tables from a GET .../metrics answer, or say why they are still empty. */
  function renderMetrics(k, parent, answer) {
    const s = state.get();
    const measured = Boolean(answer?.measured);
    state.set({ metrics: answer, metricsReady: measured });
    if (!measured) {
      // The state holds a job only while one runs (every end of a job clears it).
      const measuring = s.job?.iteration === k;
      metricsPanel.render({ model: s.experiment?.model, pending: { iteration: k, parent, measuring } });
      return;
    }
    metricsPanel.render({
      model: s.experiment.model,
      before: k === 0 ? { iteration: 0, groups: answer.metrics } : { iteration: parent, groups: answer.parent_metrics },
      after: k === 0 ? null : { iteration: k, groups: answer.metrics },
    });
  }

  /**
   * Show iteration k of the state's experiment. fromJob: a job just produced it (the plots
   * are kept if they already hold it, so a zoom made meanwhile survives); fromUrl: the address
   * already names it.
   */
  async function show(k, mine = session.token, { fromJob = false, fromUrl = false } = {}) {
    const exp = state.get().experiment;
    const it = exp?.iterations?.[k];
    if (!it) return;
    const parent = k === 0 ? 0 : it.parent;
    let before;
    let after;
    let answer;
    try {
      [before, after, answer] = await Promise.all([
        session.embedding(parent),
        k === 0 ? null : session.embedding(k),
        api.metrics(exp.id, k),
      ]);
    } catch (err) {
      if (session.isCurrent(mine)) errors.show(err, `Loading iteration ${k}`);
      return;
    }
    if (!session.isCurrent(mine)) return;

    if (!session.labels) session.adoptLabels(before.labels, exp.dataset);
    if (!(fromJob && shown?.k === k && shown?.parent === parent)) drawPlots(k, parent, before, after, it);
    setPlotTitles(parent, k);
    state.set({ currentIteration: k, parentIteration: parent });
    if (!fromUrl) setUrl(exp.id, k, "replace");
    renderMetrics(k, parent, answer);

    if (state.get().status !== "training" && !fromJob) {
      progress.showHistory({ kind: it.mode === "initial" ? "initial" : "retrain", iteration: k, losses: it.losses });
    }
    if (exp.dataset.kind === "image") {
      imagesPanel.show({
        experimentId: exp.id,
        nPoints: session.nPoints(),
        parent: k === 0 ? null : parent,
        current: k,
        trainedIds: after ? after.selected : null,
        classNames: exp.dataset.class_names,
        labels: session.labels,
      });
    } else {
      imagesPanel.clear();
    }
  }

  /** The job measured iteration k: fill its tables (or show it whole if another is shown). */
  async function fillMetrics(k, mine = session.token) {
    const s = state.get();
    if (s.currentIteration !== k) return show(k, mine, { fromJob: true });
    let answer;
    try {
      answer = await api.metrics(s.experimentId, k);
    } catch (err) {
      if (session.isCurrent(mine)) errors.show(err, `Loading the metrics of iteration ${k}`);
      return;
    }
    if (session.isCurrent(mine) && state.get().currentIteration === k) renderMetrics(k, s.parentIteration, answer);
  }

  /**
   * A live frame of iteration k while it trains ({iteration, epoch, epochs, x, y}): iteration 0
   * in plot 1, a Submit's in plot 3, each frame moving on from the one before. Frames of an
   * iteration already drawn from its stored coordinates are dropped.
   */
  async function showLive(frame, mine = session.token) {
    const k = frame.iteration;
    const s = state.get();
    if (!s.experiment || (s.currentIteration !== null && s.currentIteration >= k)) return;
    let from = live?.k === k ? live : null;
    if (!session.labels) {
      const answer = await api.labels(s.experimentId);
      if (!session.isCurrent(mine)) return;
      if (!session.labels) session.adoptLabels(answer.labels, s.experiment.dataset);
    }
    if (k > 0 && !from) {
      // The first frame of a Submit moves from where the parent has the points.
      const parent = s.currentIteration ?? k - 1;
      from = await session.embedding(parent).catch(() => null);
      if (!session.isCurrent(mine)) return;
    }
    const now = state.get().currentIteration;
    if ((now !== null && now >= k) || (live?.k === k && live.epoch >= frame.epoch)) return;
    const data = { x: frame.x, y: frame.y, labels: session.labels, iteration: k };
    // Short: the plot's header is a third of the page wide; the cap is in the progress panel.
    const title = `training, epoch ${frame.epoch}`;
    if (k === 0) {
      plots.initial.setData(data, { from });
      plots.initial.setTitle(`Iteration 0 · ${title}`);
    } else {
      plots.all.setData(data, { from });
      plots.all.setTitle(`Iteration ${k} · ${title}`);
    }
    live = { k, x: frame.x, y: frame.y, epoch: frame.epoch };
  }

  // Synthetic data of any size for the scale test and the browser benchmark (no training).
  installScaleHook({ plots, selection, session, clear });

  /** A measure job's estimates of T and C: the panel shows them for the iteration they are of. */
  function showEstimates(data) {
    metricsPanel.showEstimates(data);
  }

  return { show, showLive, fillMetrics, clear, showEstimates, clearEstimates: () => metricsPanel.clearEstimates() };
}

/** The points `rows` of an embedding, as typed columns for a plot. */
function rowsOf(emb, rows) {
  const m = rows.length;
  const x = new Float32Array(m);
  const y = new Float32Array(m);
  const labels = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const i = rows[j];
    x[j] = emb.x[i];
    y[j] = emb.y[i];
    labels[j] = emb.labels[i];
  }
  return { x, y, labels };
}

function sameIds(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
