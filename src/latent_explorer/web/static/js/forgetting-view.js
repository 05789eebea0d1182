// The forgetting view of the shown iteration K: the per-class chart across iterations 0..K
// (forgetting-chart.js), the change rows in the metrics table, the same-digits strip or the
// tabular heat map (reconstruction-strip.js), and "Replay", which steps the plots through the
// chain so the transition animates through every repetition.
//
// It follows the state (the shown iteration, its metrics) and fetches two small answers per
// change; stale answers (another iteration shown meanwhile) are dropped.

import { api } from "./api.js";
import { d3 } from "./d3.js";
import { createForgettingChart, renderChangeRows } from "./forgetting-chart.js";
import { createReconstructionStrip } from "./reconstruction-strip.js";
import { classColors } from "./colors.js";

// Each step waits for plot 3's move from the previous iteration to finish (scatterplot.js
// animates for 800 ms) and leaves a moment to look at it.
const REPLAY_STEP_MS = 1000;

export function createForgettingView({ state, metricsRoot, before, showIteration, errors, hook }) {
  const panelRoot = document.createElement("section");
  panelRoot.id = "forgetting-panel";
  panelRoot.setAttribute("aria-label", "Forgetting per class");
  const stripRoot = document.createElement("section");
  stripRoot.id = "reconstruction-strip";
  stripRoot.setAttribute("aria-label", "The same points, every iteration");
  before.parentNode.insertBefore(panelRoot, before);
  before.parentNode.insertBefore(stripRoot, before.nextSibling);

  const chart = createForgettingChart(panelRoot, { colors: classColors });
  const strip = createReconstructionStrip(stripRoot);
  const replay = d3
    .select(panelRoot)
    .insert("div", ".forgetting-tabs")
    .attr("class", "forgetting-actions")
    .append("button")
    .attr("type", "button")
    .attr("class", "button small")
    .attr("id", "forgetting-replay")
    .attr("title", "Step plot 3 through every iteration of the chain, from 0 to the shown one");

  let token = 0;
  let report = null;
  let replaying = 0;

  async function refresh() {
    const s = state.get();
    const k = s.currentIteration;
    const mine = ++token;
    if (!s.experimentId || k === null || k === undefined || !s.experiment?.iterations?.[k]) {
      report = null;
      chart.render(null);
      strip.clear();
      hook?.update({ forgetting: null });
      return;
    }
    let answer;
    let stripAnswer = null;
    try {
      [answer, stripAnswer] = await Promise.all([
        api.forgetting(s.experimentId, k),
        // The strip reconstructs with every model of the chain: only when there is a chain.
        k > 0 ? api.strip(s.experimentId, k) : null,
      ]);
    } catch (err) {
      if (mine === token) errors.show(err, "Loading the forgetting view");
      return;
    }
    if (mine !== token) return;
    report = answer;
    chart.render(answer);
    // The metrics panel re-renders its tables on every state change; the rows follow them.
    renderChangeRows(metricsRoot, state.get().metricsReady ? answer : null);
    strip.render(stripAnswer);
    replay.text(`Replay 0 → ${answer.iteration}`).property("disabled", answer.iterations.length < 2 || replaying > 0);
    hook?.update({
      forgetting: {
        iteration: answer.iteration,
        iterations: answer.iterations,
        lines: Number(panelRoot.dataset.lines || 0),
        stripRows: Number(stripRoot.dataset.rows || 0),
        stripColumns: Number(stripRoot.dataset.columns || 0),
        changes: answer.classes.map((c) => c.change.text),
      },
    });
  }

  state.on("change", ({ changed }) => {
    if (["experimentId", "currentIteration", "metrics", "metricsReady"].some((key) => changed.includes(key))) {
      refresh();
    }
  });

  replay.on("click", async () => {
    if (!report || report.iterations.length < 2) return;
    const chain = report.iterations.slice(1);
    const run = ++replaying;
    replay.property("disabled", true);
    try {
      for (const k of chain) {
        if (run !== replaying) return;
        await showIteration(k);
        await new Promise((resolve) => setTimeout(resolve, REPLAY_STEP_MS));
      }
    } finally {
      if (run === replaying) replaying = 0;
      replay.property("disabled", false);
    }
  });

  return { refresh, chart, strip };
}
