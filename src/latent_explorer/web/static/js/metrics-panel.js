// Projection-quality tables: "Before (iteration P)" and "After (iteration K)", rows All /
// Selected / Rest. Each After cell also shows its change against Before, green when the
// projection got better and red when it got worse (for that metric's direction).
// A value the server could not compute for a group (null or absent) reads "–" with a title
// saying why, and T / C of a small group name the smaller k they had to use. While a job
// measures the shown iteration, the panel says "computing…" instead of showing empty tables.
// Under each group a muted "PCA" row gives the same measures for the data's own 2-D PCA of
// the same points (the `pca_*` keys of each row): the reference any autoencoder has to beat.
// While a measure job's exact pass runs, its estimates of T and C over all points ("estimates"
// events) fill the All row of that iteration's table, muted and marked "≈ 0.912 ± 0.004",
// until the exact table replaces them.

import { d3 } from "./d3.js";
import { estimateNote, estimateText, estimateTitle } from "./estimate-text.js";
import { formatCount, formatDelta, formatError, formatScore } from "./format.js";

// direction: +1 higher is better, -1 lower is better, 0 neutral.
export const METRICS = [
  {
    key: "trustworthiness",
    label: "Trustworthiness",
    kind: "score",
    direction: 1,
    help: "Trustworthiness T(7): are the 7 nearest neighbours in 2-D also near in the data? 1 = no false neighbours. Higher is better.",
  },
  {
    key: "continuity",
    label: "Continuity",
    kind: "score",
    direction: 1,
    help: "Continuity C(7): do the 7 nearest neighbours in the data stay near in 2-D? 1 = nothing torn apart. Higher is better.",
  },
  {
    key: "neighborhood_hit",
    label: "Neighbourhood hit",
    kind: "score",
    direction: 1,
    help: "Neighbourhood hit NH(3): share of each point's 3 nearest 2-D neighbours with the same class. Higher is better.",
  },
  {
    key: "shepard",
    label: "Shepard ρ",
    kind: "score",
    direction: 1,
    help: "Shepard correlation: Spearman ρ between pairwise distances in the data and in 2-D (on a fixed sample). Higher is better.",
  },
  {
    key: "stress",
    label: "Stress",
    kind: "score",
    direction: -1,
    help: "Normalised stress: mismatch between data and 2-D distances after the best rescaling of the 2-D ones. Lower is better.",
  },
  {
    key: "reconstruction_error",
    label: "Reconstruction error",
    kind: "error",
    direction: -1,
    help: "Reconstruction error: mean squared error per feature between a point and the decoder's output. Lower is better.",
  },
  {
    key: "kl",
    label: "KL",
    kind: "error",
    direction: 0,
    vaeOnly: true,
    help: "KL divergence of the VAE's posterior from the prior N(0, I), per point: how far codes spread from the prior. Neither better nor worse by itself.",
  },
];

const T_NEIGHBORS = 7; // the k of T(7) and C(7) in the column titles
const SAMPLE_SIZE = "2,000"; // Shepard ρ and stress use a fixed sample of at most this many points

const GROUPS_NOTE =
  "Selected / Rest: the projection restricted to those points, measured as if they were the whole dataset " +
  "(plot 2 shows the selected points this way).";

/** Why a metric has no value for a group (values: the group's row). */
export function missingReason(key, values) {
  const sampled = values?.n_sampled;
  if (key === "shepard" || key === "stress") {
    if (Number.isFinite(sampled) && sampled < 3) {
      return (
        `Only ${sampled} of this group's points are in the fixed sample of up to ${SAMPLE_SIZE} points ` +
        "that Shepard ρ and stress use; they need at least 3."
      );
    }
    if (Number.isFinite(sampled)) {
      return "Undefined for this group: its pairwise distances do not vary (e.g. its 2-D points coincide).";
    }
  }
  if (key === "trustworthiness" || key === "continuity") {
    return "Needs at least 3 points in the group: the neighbourhood size k must be below n / 2.";
  }
  if (key === "neighborhood_hit") return "Needs at least 2 points in the group.";
  return "Not measured for this group.";
}

const SMALL_K_METRICS = new Set(["trustworthiness", "continuity"]);

const PCA_HELP =
  "PCA of the same points (the whole data for All, each group's own PCA for Selected and Rest): " +
  "a linear 2-D projection, the reference a 2-D autoencoder should beat. It does not change " +
  "between iterations. Bold: PCA is better than the model on this measure.";

const GROUPS = [
  { key: "all", label: "All" },
  { key: "selected", label: "Selected" },
  { key: "rest", label: "Rest" },
];

const ESTIMATED = ["trustworthiness", "continuity"];

/** The iteration whose own metrics a view shows (its All row is where estimates go). */
function measuredIteration(view) {
  if (view?.pending) return view.pending.iteration;
  return view?.after ? view.after.iteration : (view?.before?.iteration ?? null);
}

export function createMetricsPanel(root) {
  const el = d3.select(root);
  let shown = null; // the view last rendered
  let estimate = null; // the last "estimates" event's data, until exact tables arrive

  function table(parent, { name, title, groups, compare, columns }) {
    const wrap = parent.append("div").attr("class", "metrics-table-wrap");
    wrap.append("h3").text(title);
    const t = wrap.append("table").attr("class", "metrics-table").attr("data-table", name);
    const headRow = t.append("thead").append("tr");
    headRow.append("th").attr("scope", "col").text("Points");
    headRow.append("th").attr("scope", "col").attr("class", "num").attr("title", "Number of points in the group").text("n");
    for (const m of columns) {
      headRow.append("th").attr("scope", "col").attr("class", "num").attr("title", m.help).attr("data-metric", m.key).text(m.label);
    }
    const tbody = t.append("tbody");
    for (const g of GROUPS) {
      const values = groups[g.key];
      if (!values) continue;
      const tr = tbody.append("tr").attr("data-group", g.key);
      tr.append("th").attr("scope", "row").text(g.label);
      cell(tr, name, g.key, "n_points", values.n_points, formatCount(values.n_points));
      for (const m of columns) {
        const v = values[m.key];
        const td = cell(tr, name, g.key, m.key, v, m.kind === "score" ? formatScore(v) : formatError(v));
        if (!Number.isFinite(v)) td.classed("is-missing", true).attr("title", missingReason(m.key, values));
        const base = compare?.[g.key]?.[m.key];
        if (compare && Number.isFinite(v) && Number.isFinite(base)) {
          const delta = v - base;
          const verdict = judge(delta, base, m);
          td.attr("data-delta", delta).classed(`delta-${verdict}`, true);
          td.append("span")
            .attr("class", "delta")
            .attr("title", `${verdict === "neutral" ? "Change" : verdict === "better" ? "Better" : "Worse"} than before`)
            .text(formatDelta(delta, m.kind));
        }
        // Below the value and its change: a note on how it was measured.
        if (SMALL_K_METRICS.has(m.key) && Number.isFinite(v) && Number.isFinite(values.k) && values.k !== T_NEIGHBORS) {
          td.attr("data-k", values.k);
          td.append("span")
            .attr("class", "k-note")
            .attr(
              "title",
              `This group has only ${formatCount(values.n_points)} points, so k = ${values.k} neighbours ` +
                `are used instead of ${T_NEIGHBORS} (k must be below n / 2).`,
            )
            .text(`k = ${values.k}`);
        }
      }
      pcaRow(tbody, name, g, values, columns);
    }
  }

  // The PCA reference of one group, when the server measured it: cells named pca_<metric>.
  function pcaRow(tbody, tableName, g, values, columns) {
    if (!columns.some((m) => Number.isFinite(values[`pca_${m.key}`]))) return;
    const tr = tbody.append("tr").attr("class", "pca-row").attr("data-group", g.key).attr("data-reference", "pca");
    tr.append("th").attr("scope", "row").attr("title", PCA_HELP).text(`${g.label} · PCA`);
    tr.append("td").attr("class", "num");
    for (const m of columns) {
      const key = `pca_${m.key}`;
      const v = values[key];
      const td = cell(tr, tableName, g.key, key, v, m.kind === "score" ? formatScore(v) : formatError(v));
      if (!Number.isFinite(v)) {
        td.classed("is-missing", true).attr("title", m.vaeOnly ? "PCA has no KL term." : missingReason(m.key, values));
        continue;
      }
      const model = values[m.key];
      if (Number.isFinite(model) && judge(v - model, model, m) === "better") {
        td.classed("pca-wins", true).attr("title", `PCA is better here than the model (${m.kind === "score" ? formatScore(model) : formatError(model)})`);
      }
    }
  }

  function cell(tr, tableName, group, metric, value, text) {
    const td = tr
      .append("td")
      .attr("class", "num")
      .attr("data-table", tableName)
      .attr("data-group", group)
      .attr("data-metric", metric)
      .attr("data-value", Number.isFinite(value) ? value : "");
    td.append("span").attr("class", "value").text(text);
    return td;
  }

  /** The panel's title; returns the note beside it for the caller to fill. */
  function heading() {
    const head = el.append("div").attr("class", "panel-head");
    head.append("h2").text("Projection quality");
    return head.append("p").attr("class", "note");
  }

  function renderPending({ iteration, parent, measuring: jobSaysMeasuring }) {
    // Estimates arriving are news of a measure job too (the page's job state may lag).
    const estimating = estimate?.iteration === iteration;
    const measuring = jobSaysMeasuring || estimating;
    el.attr("data-state", measuring ? "computing" : "missing");
    heading().text(`Iteration ${iteration}${iteration ? ` (from iteration ${parent})` : ""}`);
    const p = el.append("p").attr("class", "metrics-pending").attr("role", "status");
    if (measuring) {
      p.append("span").attr("class", "spinner").attr("aria-hidden", "true");
      p.append("span").text(
        "Computing quality metrics… The plots already show the new projection; " +
          "the tables follow when the server has measured it.",
      );
    } else {
      p.text(`Quality metrics of iteration ${iteration} were not computed: its job stopped before measuring.`);
    }
    if (estimating) {
      // Only T and C are estimated while the pass runs; the rest of the table comes with them.
      const columns = METRICS.filter((m) => ESTIMATED.includes(m.key));
      const groups = { all: { n_points: estimate.rows_total } };
      const name = iteration === 0 ? "before" : "after";
      table(el.append("div").attr("class", "metrics-tables"), { name, title: `Iteration ${iteration}`, groups, compare: null, columns });
    }
  }

  /** Mark the All row's T and C of the measured iteration with the estimates (in place). */
  function applyEstimate() {
    const k = measuredIteration(shown);
    const sampled = shown?.pending || [shown?.before?.groups, shown?.after?.groups].some((g) => g?.all?.sampled);
    if (!estimate || estimate.iteration !== k || !sampled) return;
    const name = k === 0 ? "before" : "after";
    el.attr("data-estimates", estimate.exact ? "exact" : "estimating");
    el.select(".metrics-estimate-note").remove();
    el.select(".panel-head")
      .append("p")
      .attr("class", "note metrics-estimate-note")
      .text(estimateNote(estimate));
    for (const key of ESTIMATED) {
      const td = el.select(`td[data-table="${name}"][data-group="all"][data-metric="${key}"]`);
      if (td.empty()) continue;
      const value = estimate[key]?.value;
      td.selectAll("*").remove(); // a sampled value and its change give way to the estimate
      td.classed("is-missing", false)
        .classed("is-estimate", true)
        .attr("data-value", "")
        .attr("data-estimate", Number.isFinite(value) ? value : "")
        .attr("data-half-width", estimate[key]?.half_width ?? "")
        .attr("title", estimateTitle(estimate));
      td.append("span").attr("class", "value").text(estimateText(estimate[key], { exact: estimate.exact }));
    }
  }

  return {
    /**
     * view: {model, before: {iteration, groups}, after: {iteration, groups} | null}.
     * Without `after`, only the All row of `before` is shown (iteration 0 alone).
     * Or view: {model, pending: {iteration, parent, measuring}}: iteration K has no metrics
     * yet (measuring: a job computes them now; otherwise they never were).
     */
    render(view) {
      el.selectAll("*").remove();
      el.attr("data-estimates", null);
      shown = view;
      // Exact tables (or none) end the estimates; so does a job that stopped (clearEstimates).
      const exact = view?.before?.groups && ![view.before.groups, view.after?.groups].some((g) => g?.all?.sampled);
      if (!view || exact) estimate = null;
      if (view?.pending) {
        renderPending(view.pending);
        applyEstimate();
        return;
      }
      if (!view?.before?.groups) {
        el.attr("data-state", "empty");
        el.append("p").attr("class", "note").text("Metrics appear once a model is trained.");
        return;
      }
      // A preview measured on the fixed sample (large datasets) says so until the exact
      // table replaces it.
      const sampled = [view.before.groups, view.after?.groups].some((g) => g?.all?.sampled);
      el.attr("data-state", sampled ? "sampled" : "ready");
      const columns = METRICS.filter((m) => !m.vaeOnly || view.model === "vae");
      heading().text(
        sampled
          ? `Sampled: measured on the fixed sample of ${SAMPLE_SIZE} points; exact values over all points follow.`
          : "Hover a column title for its meaning. Changes: green better, red worse, grey neutral.",
      );
      const row = el.append("div").attr("class", "metrics-tables");
      const beforeGroups = view.after ? view.before.groups : { all: view.before.groups.all };
      const before = { name: "before", title: `Before (iteration ${view.before.iteration})`, groups: beforeGroups, compare: null, columns };
      if (!view.after) {
        table(row, before);
        return;
      }
      // After a Submit the After table comes first, each change beside its value; the Before
      // table (with the PCA reference rows) folds away under it, so the loop fits one screen.
      table(row, {
        name: "after",
        title: `After (iteration ${view.after.iteration})`,
        groups: view.after.groups,
        compare: view.before.groups,
        columns,
      });
      row.select(".metrics-table-wrap h3").attr("title", GROUPS_NOTE);
      const fold = row.append("details").attr("class", "metrics-before");
      fold.append("summary").text(`Before (iteration ${view.before.iteration}) and the PCA reference`);
      table(fold, before);
      el.append("p").attr("class", "note metrics-groups-note").text(GROUPS_NOTE);
      applyEstimate();
    },

    /**
     * An "estimates" event's data ({iteration, rows_done, rows_total, trustworthiness,
     * continuity: {value, half_width}, eta_s, exact}): shown in the All row of that
     * iteration's table while it has no exact one; kept for it if it is drawn later.
     */
    /** The measure job ended without exact tables (failed, cancelled): forget its estimates. */
    clearEstimates() {
      if (!estimate) return;
      estimate = null;
      this.render(shown);
    },

    showEstimates(data) {
      if (data?.group !== "all") return;
      estimate = data;
      const k = measuredIteration(shown);
      if (k !== data.iteration) return;
      if (shown?.pending) {
        this.render(shown); // the pending view has no table yet: draw it with the estimates
      } else {
        applyEstimate();
      }
    },
  };
}

export function judge(delta, base, metric) {
  const tolerance = metric.kind === "score" ? 5e-4 : 1e-3 * Math.abs(base);
  if (metric.direction === 0 || Math.abs(delta) <= tolerance) return "neutral";
  return delta * metric.direction > 0 ? "better" : "worse";
}
