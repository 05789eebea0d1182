// Seeds in the metrics panel. An experiment trained with Seeds > 1 trains the other seeds of
// every iteration in the background (GET .../iterations/<k>/seeds says how far they are).
// While they run, the panel says "2 of 5 seeds done"; once all are in, every metric cell of
// the shown iteration's table gains "mean ± half-width (5 seeds)" (the 95% interval across
// seeds), and under the tables the paired verdict against the parent says, in words, whether
// the change is larger than the seed-to-seed spread, with a line on the map's stability.
//
//   const panel = withSeeds(createMetricsPanel(root), createSeedsView({ root, state }));
//
// Under them, "Seeds, aligned" draws every seed's map on the same axes (seed-multiples.js).
// Everything shown is text (d3 .text), never markup.

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { formatError, formatScore } from "./format.js";
import { METRICS } from "./metrics-panel.js";
import { createSeedMultiples } from "./seed-multiples.js";

// Seeds have no event of their own: while they train, ask this often.
const POLL_MS = 1500;
const GROUPS = ["all", "selected", "rest"];

/** The metrics panel with seeds drawn over each render. */
export function withSeeds(panel, seeds) {
  return {
    ...panel,
    render(view) {
      panel.render(view);
      seeds.decorate(view);
    },
  };
}

/** "0.912 ± 0.004 (5 seeds)" for an interval {mean, low, high, n}. */
export function intervalText(iv, kind = "score") {
  const fmt = kind === "score" ? formatScore : formatError;
  if (!iv || !Number.isFinite(iv.mean)) return "";
  const half = Number.isFinite(iv.high) && Number.isFinite(iv.low) ? (iv.high - iv.low) / 2 : null;
  return `${fmt(iv.mean)}${half === null ? "" : ` ± ${fmt(half)}`} (${iv.n} seeds)`;
}

/** One plain sentence on how stable the map is across the seeds. */
export function stabilityText(stability, n) {
  if (!stability) return "";
  const pct = (v) => `${Math.round(v * 100)}%`;
  return (
    `Across the ${n} seeds, after each map is turned, mirrored, scaled and shifted onto the first, ` +
    `points move on average ${pct(stability.displacement_mean)} of the map's size ` +
    `(9 in 10 move less than ${pct(stability.displacement_p90)}), and on average ` +
    `${pct(stability.agreement_mean)} of each point's 7 nearest neighbours are the same in every seed. ` +
    `Colour by "Stability" to see where.`
  );
}

export function createSeedsView({ root, state }) {
  const el = d3.select(root);
  const done = new Map(); // `${experimentId}|${k}` -> the finished answer
  const multiples = createSeedMultiples({ state });
  let shown = null; // the view last decorated
  let timer = 0;
  let token = 0;

  /** The iteration whose own table the view shows, and that table's name. */
  function target(view) {
    if (!view || view.pending || !view.before?.groups) return null;
    if (view.after) return { k: view.after.iteration, table: "after" };
    return { k: view.before.iteration, table: "before" };
  }

  async function decorate(view) {
    shown = view;
    clearTimeout(timer);
    const mine = ++token;
    const t = target(view);
    const id = state.get().experimentId;
    if (!t || !id) return;
    const key = `${id}|${t.k}`;
    let answer = done.get(key);
    if (!answer) {
      answer = await api.seeds(id, t.k).catch(() => null);
      if (mine !== token || !answer) return;
      if (answer.status === "done") done.set(key, answer);
    }
    if (answer.status === "single") return;
    draw(answer, t, view);
    if (answer.status === "running") timer = setTimeout(() => decorate(shown), POLL_MS);
  }

  function draw(answer, t, view) {
    el.selectAll(".seeds-note, .seed-interval, .seeds-summary").remove();
    el.attr("data-seeds", answer.status);
    const head = el.select(".panel-head");
    const note = (head.empty() ? el : head).append("p").attr("class", "note seeds-note").attr("role", "status");
    if (answer.status === "running") {
      note.text(`${answer.done} of ${answer.total} seeds done: the other seeds train in the background; ranges across seeds follow.`);
      const stop = note.append("button").attr("type", "button").attr("class", "button link seeds-stop").text("Stop the other seeds");
      stop.on("click", async () => {
        stop.property("disabled", true);
        await api.cancelSeeds(state.get().experimentId).catch(() => null);
        decorate(shown);
      });
      return;
    }
    if (answer.status === "incomplete") {
      note.text(`Only ${answer.done} of ${answer.total} seeds finished (a seed failed or was stopped): no ranges across seeds.`);
      return;
    }
    note.text(`${answer.total} seeds: under each value, the mean across seeds ± half its 95% interval.`);
    const model = view.model;
    for (const m of METRICS) {
      if (m.vaeOnly && model !== "vae") continue;
      for (const group of GROUPS) {
        const iv = answer.metrics?.[group]?.[m.key];
        const td = el.select(`td[data-table="${t.table}"][data-group="${group}"][data-metric="${m.key}"]`);
        if (!iv || td.empty()) continue;
        td.append("span")
          .attr("class", "seed-interval")
          .attr("data-mean", iv.mean)
          .attr("data-low", iv.low ?? "")
          .attr("data-high", iv.high ?? "")
          .attr("title", `Mean across ${iv.n} seeds with its 95% interval; the value above is seed ${answer.seeds[0]}'s.`)
          .text(intervalText(iv, m.kind));
      }
    }
    const summary = el.append("div").attr("class", "seeds-summary");
    if (answer.headline) {
      summary
        .append("p")
        .attr("class", "seeds-verdict")
        .attr("data-exceeds", String(answer.headline.exceeds_spread))
        .text(`${answer.headline.group === "selected" ? "Selected points: " : "All points: "}${answer.headline.sentence}`);
    }
    if (answer.stability) summary.append("p").attr("class", "note seeds-stability").text(stabilityText(answer.stability, answer.total));
    multiples.draw(summary.node(), { id: state.get().experimentId, k: t.k });
  }

  return { decorate };
}
