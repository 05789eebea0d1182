// "Colour by": the points' colour says their class (the default), a per-point quality value
// (the distortion map: local trustworthiness, continuity, neighbourhood hit, reconstruction
// error, KL) or any attribute / raw feature of the dataset, with a legend for the scale.
//
// Quality values belong to an iteration, so each plot is coloured by the values of the
// iteration it shows (plot 1 the parent, plots 2 and 3 iteration K) on ONE scale shared by
// both, so a colour means the same number everywhere and a change reads as a change of colour.
// The plots only receive a palette and a code per point id (scatterplot.setColoring); the
// selection's dimming is drawn on top of any colouring, exactly as on the classes.
//
//   const colourBy = createColourBy({select, legend, state, session, plots});
//   colourBy.on("change", ({choice, scale}) => ...);   // scale: null for classes
//   colourBy.choice() -> "class" | "pp:<key>" | "attr:<name>"

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { categoricalScale, numericScale, toFloats } from "./colour-scales.js";
import { formatValue } from "./format.js";

export const PER_POINT = [
  {
    key: "trustworthiness",
    label: "Local trustworthiness",
    diverging: true,
    help: "Per point: are its 7 nearest neighbours in 2-D also near in the data? Red: less than typical.",
  },
  {
    key: "continuity",
    label: "Local continuity",
    diverging: true,
    help: "Per point: do its 7 nearest neighbours in the data stay near in 2-D? Red: torn apart more than typical.",
  },
  { key: "neighborhood_hit", label: "Neighbourhood hit", help: "Share of the point's 3 nearest 2-D neighbours of its class." },
  { key: "reconstruction_error", label: "Reconstruction error", help: "Mean squared error of the point's reconstruction." },
  { key: "kl", label: "KL (VAE)", vaeOnly: true, help: "KL divergence of the point's posterior from the prior." },
  // From the experiment's other seeds (Seeds > 1 in the training settings), once all are in.
  {
    key: "stability_displacement",
    label: "Stability: displacement",
    seeds: true,
    help: "How far the point moves between seeds, after each seed's map is turned, mirrored, scaled and shifted onto the first; relative to the map's size. Low: stable.",
  },
  {
    key: "stability_agreement",
    label: "Stability: neighbour agreement",
    seeds: true,
    help: "How many of the point's 7 nearest neighbours in the map stay its neighbours in every seed (1: all of them). High: stable.",
  },
];
// While other seeds still train, their values are asked for again this often.
const SEEDS_RETRY_MS = 2000;
const MAX_CATEGORIES_SHOWN = 12;

export function createColourBy({ select, legend, state, session, plots }) {
  const emitter = createEmitter();
  const sel = d3.select(select);
  const leg = d3.select(legend);
  let choice = "class";
  let attributes = []; // [{name, kind, source}] of the shown experiment
  let experimentId = null;
  const perPoint = new Map(); // `${key}|${k}` -> {status: "ok", values} | {status: "pending" | "missing", message}
  const attrCache = new Map(); // name -> Promise of the attribute answer
  let attr = null; // {name, answer, codes} of the chosen attribute
  let scale = null; // see numericScale / categoricalScale
  let token = 0; // drops answers for an older choice or experiment
  let refreshTimer = 0;

  sel.on("change", () => setChoice(sel.property("value")));

  // ---- the list --------------------------------------------------------------------------------
  /** final: the attribute list is loaded, so a choice missing from it is really gone. */
  function renderOptions({ final = true } = {}) {
    sel.selectAll("*").remove();
    sel.append("option").attr("value", "class").text("Class");
    const model = state.get().experiment?.model;
    const quality = sel.append("optgroup").attr("label", "Projection quality (each plot's own iteration)");
    for (const m of PER_POINT.filter((p) => !p.seeds)) {
      quality
        .append("option")
        .attr("value", `pp:${m.key}`)
        .attr("title", m.help)
        .property("disabled", Boolean(m.vaeOnly && model !== "vae"))
        .text(m.vaeOnly && model !== "vae" ? `${m.label}: VAE only` : m.label);
    }
    const seeds = sel.append("optgroup").attr("label", "Across seeds (Seeds 2 or more)");
    for (const m of PER_POINT.filter((p) => p.seeds)) {
      seeds.append("option").attr("value", `pp:${m.key}`).attr("title", m.help).text(m.label);
    }
    const groups = [
      ["attribute", "Attributes"],
      ["feature", "Features (raw units)"],
    ];
    for (const [source, title] of groups) {
      const items = attributes.filter((a) => a.source === source);
      if (!items.length) continue;
      const g = sel.append("optgroup").attr("label", title);
      for (const a of items) g.append("option").attr("value", `attr:${a.name}`).text(a.name);
    }
    const known = [...sel.node().options].some((o) => o.value === choice && !o.disabled);
    if (!known && choice !== "class" && (final || !choice.startsWith("attr:"))) {
      // This experiment has no such attribute (another dataset): back to the classes.
      setChoice("class");
      return;
    }
    sel.property("value", choice);
  }

  async function loadAttributes(id) {
    try {
      const answer = await api.attributes(id);
      if (id !== experimentId) return;
      // The label is what "Class" already shows.
      attributes = (answer.attributes || []).filter((a) => a.source !== "label");
    } catch {
      attributes = []; // the list only offers less; colouring by class still works
    }
    renderOptions();
    if (choice !== "class") refresh();
  }

  // ---- choosing ----------------------------------------------------------------------------------
  function setChoice(value) {
    choice = value || "class";
    sel.property("value", choice);
    attr = null;
    scale = null;
    token++;
    if (choice === "class") {
      for (const plot of Object.values(plots)) plot.setColoring(null);
      renderLegend();
      announce();
      return;
    }
    refresh();
  }

  /** The iteration whose values colour a plot (the PCA plot has none: the shown one's). */
  function iterationOf(plot) {
    if (!plot.hasData()) return null;
    const k = plot.iteration();
    return k === null || k === undefined ? state.get().currentIteration : k;
  }

  function wanted() {
    const ks = new Set();
    for (const plot of Object.values(plots)) {
      const k = iterationOf(plot);
      if (k !== null && k !== undefined) ks.add(k);
    }
    return [...ks].sort((a, b) => a - b);
  }

  // Seeds train in the background with no event of their own: ask again while the choice stands.
  let seedsTimer = 0;
  function retrySeeds(key) {
    clearTimeout(seedsTimer);
    seedsTimer = setTimeout(() => {
      if (choice !== `pp:${key}`) return;
      for (const [id, e] of perPoint) if (e.status === "pending" && id.startsWith(`${key}|`)) perPoint.delete(id);
      scheduleRefresh();
    }, SEEDS_RETRY_MS);
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 0);
  }

  /** Fetch what the choice needs for the plots as they are, then colour them. */
  async function refresh() {
    clearTimeout(refreshTimer);
    if (choice === "class" || !experimentId) return;
    const mine = ++token;
    if (choice.startsWith("attr:")) {
      const name = choice.slice(5);
      if (!attrCache.has(name)) {
        const p = api.attribute(experimentId, name);
        p.catch(() => attrCache.delete(name));
        attrCache.set(name, p);
      }
      let answer;
      try {
        answer = await attrCache.get(name);
      } catch (err) {
        if (mine === token) failLegend(err.message);
        return;
      }
      if (mine !== token) return;
      scale = answer.kind === "categorical" ? categoricalScale(answer) : numericScale([toFloats(answer.values)], false, name);
      attr = { name, codes: scale.codesOf(answer.kind === "categorical" ? answer.codes : toFloats(answer.values)) };
      applyAll();
      renderLegend();
      announce();
      return;
    }
    const key = choice.slice(3);
    const ks = wanted();
    await Promise.all(ks.map((k) => loadPerPoint(key, k)));
    if (mine !== token) return;
    const got = ks.map((k) => perPoint.get(`${key}|${k}`)).filter((e) => e?.status === "ok");
    const meta = PER_POINT.find((m) => m.key === key);
    scale = got.length ? numericScale(got.map((e) => e.values), Boolean(meta?.diverging), meta?.label || key) : null;
    if (scale) for (const e of got) e.codes = null; // the scale changed: codes are recomputed
    applyAll();
    renderLegend(ks);
    announce();
  }

  async function loadPerPoint(key, k) {
    const id = `${key}|${k}`;
    if (perPoint.get(id)?.status === "ok" || perPoint.get(id)?.status === "missing") return;
    const exp = experimentId;
    // An iteration still being measured would answer 409 (and the browser logs every failed
    // request as an error): wait for its record to say "measured" instead of asking.
    if (state.get().experiment?.iterations?.[k]?.measured !== true) {
      perPoint.set(id, { status: "pending", message: "being measured" });
      return;
    }
    if (PER_POINT.find((m) => m.key === key)?.seeds && !(await seedsDone(exp, k, id, key))) return;
    try {
      const answer = await api.perPoint(exp, k, key);
      if (exp === experimentId) perPoint.set(id, { status: "ok", values: answer.values, codes: null });
    } catch (err) {
      if (exp !== experimentId) return;
      // 409: the iteration is still being measured; the values come with its metrics.
      perPoint.set(id, { status: err.status === 409 ? "pending" : "missing", message: err.message });
    }
  }

  /** Whether every seed of iteration k is in (asked first: a 409 would log a console error). */
  async function seedsDone(exp, k, id, key) {
    const answer = await api.seeds(exp, k).catch(() => null);
    if (exp !== experimentId) return false;
    if (answer?.status === "done") return true;
    if (answer?.status === "running") {
      perPoint.set(id, { status: "pending", message: `${answer.done} of ${answer.total} seeds done` });
      retrySeeds(key);
    } else {
      const why = answer?.status === "incomplete" ? "a seed failed or was cancelled" : "the experiment was trained with one seed";
      perPoint.set(id, { status: "missing", message: why });
    }
    return false;
  }

  // ---- colouring the plots ---------------------------------------------------------------------
  function applyAll() {
    for (const plot of Object.values(plots)) applyTo(plot);
  }

  function applyTo(plot) {
    if (choice === "class") return plot.setColoring(null);
    if (!scale) return; // still loading: the plot keeps what it shows
    if (attr) return plot.setColoring({ codes: attr.codes, colors: scale.colors });
    const k = iterationOf(plot);
    const entry = perPoint.get(`${choice.slice(3)}|${k}`);
    if (entry?.status === "ok") {
      if (!entry.codes) entry.codes = scale.codesOf(entry.values);
      plot.setColoring({ codes: entry.codes, colors: scale.colors });
    } else {
      // Not measured (yet): grey, which the legend explains, rather than another meaning.
      plot.setColoring({ codes: new Uint16Array(0), colors: scale.colors });
    }
  }

  // ---- legend ----------------------------------------------------------------------------------
  function renderLegend(iterations = null) {
    leg.selectAll("*").remove();
    leg.attr("data-kind", scale ? scale.kind : choice === "class" ? "class" : "loading");
    if (choice === "class") {
      leg.append("span").attr("class", "note").text("class colours, as in the Classes row over the plots");
      return;
    }
    if (!scale) {
      const pending = pendingNote(iterations);
      leg.append("span").attr("class", "note").text(pending || "loading…");
      return;
    }
    if (scale.kind === "numeric") {
      const fmt = (v) => formatValue(Number(v.toPrecision(3)));
      leg.append("span").attr("class", "legend-min").attr("data-value", scale.lo).text(`${scale.clippedLo ? "≤ " : ""}${fmt(scale.lo)}`);
      const w = 120;
      const h = 10;
      const svg = leg.append("svg").attr("class", "legend-bar").attr("width", w).attr("height", h).attr("viewBox", `0 0 ${w} ${h}`);
      // A gradient as thin rects: no ids to keep unique across several legends.
      const n = 48;
      svg
        .selectAll("rect")
        .data(d3.range(n))
        .join("rect")
        .attr("x", (i) => (i * w) / n)
        .attr("width", w / n + 0.5)
        .attr("height", h)
        .attr("fill", (i) => scale.ramp((i + 0.5) / n));
      leg.append("span").attr("class", "legend-max").attr("data-value", scale.hi).text(`${scale.clippedHi ? "≥ " : ""}${fmt(scale.hi)}`);
      if (scale.diverging) {
        leg
          .append("span")
          .attr("class", "note legend-mid")
          .attr("data-value", scale.mid)
          .text(`grey = typical (${fmt(scale.mid)}), red = worse`);
      }
      leg.attr("title", scaleTitle());
    } else {
      const shown = scale.categories.slice(0, MAX_CATEGORIES_SHOWN);
      const items = leg.selectAll("span.legend-cat").data(shown).join("span").attr("class", "legend-cat");
      items.append("span").attr("class", "legend-swatch").style("background-color", (_, i) => scale.colors[i]);
      items.append("span").text((d) => d);
      if (scale.categories.length > shown.length) {
        leg.append("span").attr("class", "note").text(`+${scale.categories.length - shown.length} more`);
      }
    }
    const pending = pendingNote(iterations);
    if (pending) leg.append("span").attr("class", "note").text(pending);
  }

  function pendingNote(iterations) {
    if (!iterations || choice.startsWith("attr:")) return "";
    const key = choice.slice(3);
    const waiting = iterations.filter((k) => perPoint.get(`${key}|${k}`)?.status === "pending");
    const missing = iterations.filter((k) => perPoint.get(`${key}|${k}`)?.status === "missing");
    const parts = [];
    const what = PER_POINT.find((m) => m.key === key)?.seeds ? "other seeds still training" : "being measured";
    if (waiting.length) parts.push(`iteration ${waiting.join(", ")}: ${what} (grey)`);
    if (missing.length) parts.push(`iteration ${missing.join(", ")}: not available (grey)`);
    return parts.join("; ");
  }

  function scaleTitle() {
    const what = choice.startsWith("pp:")
      ? "One scale for every plot, each coloured by the values of the iteration it shows."
      : "Raw values of every point.";
    const clip = scale.clippedLo || scale.clippedHi ? " Ends clipped at the 1st / 99th percentile, so a few outliers do not flatten the rest." : "";
    return `${what}${clip}`;
  }

  function failLegend(message) {
    leg.selectAll("*").remove();
    leg.attr("data-kind", "error").append("span").attr("class", "note").text(`Could not load: ${message}`);
  }

  function announce() {
    emitter.emit("change", { choice, scale: scale && { ...scale, name: scaleName() } });
  }

  function scaleName() {
    if (choice.startsWith("attr:")) return choice.slice(5);
    return PER_POINT.find((m) => `pp:${m.key}` === choice)?.label || choice;
  }

  // ---- following the page ------------------------------------------------------------------
  for (const plot of Object.values(plots)) {
    // New points (another iteration): colour them before their first draw when the values
    // are at hand, then fetch whatever the new iteration needs.
    plot.on("data", () => {
      if (choice === "class") return;
      applyTo(plot);
      if (choice.startsWith("pp:")) scheduleRefresh();
    });
  }
  session.on("reset", () => {
    // Codes of the old experiment's points must not colour the new one's.
    for (const plot of Object.values(plots)) plot.setColoring(null);
    experimentId = null;
    attributes = [];
    perPoint.clear();
    attrCache.clear();
    attr = null;
    scale = null;
    token++;
    renderLegend();
  });
  session.on("adopt", (exp) => {
    experimentId = exp.id;
    renderOptions({ final: false });
    loadAttributes(exp.id);
  });
  state.on("change", ({ state: s, changed }) => {
    // Values refused while an iteration was measured: ask again once its metrics are there.
    const measuredNow = changed.includes("experiment") && [...perPoint.entries()].some(
      ([id, e]) => e.status === "pending" && s.experiment?.iterations?.[Number(id.split("|")[1])]?.measured,
    );
    if ((changed.includes("metricsReady") && s.metricsReady) || changed.includes("currentIteration") || measuredNow) {
      for (const [id, e] of perPoint) if (e.status === "pending") perPoint.delete(id);
      if (choice.startsWith("pp:")) scheduleRefresh();
    }
  });

  renderOptions();
  renderLegend();

  return {
    on: emitter.on,
    choice: () => choice,
    setChoice,
    /** The scale in use ({kind, colors, ramp, lo, hi, ...}), or null for classes. */
    scale: () => scale,
  };
}
