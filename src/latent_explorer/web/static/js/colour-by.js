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
// Local trustworthiness and continuity of an iteration being measured fill in as its measure
// job finishes points (partial-values.js): on each "estimates" event (state.estimates) the
// measured points so far are asked for again, drawn on the scale, the rest in a pale grey.
//
//   const colourBy = createColourBy({select, legend, state, session, plots});
//   colourBy.on("change", ({choice, scale, fill}) => ...);   // scale: null for classes
//   colourBy.choice() -> "class" | "pp:<key>" | "attr:<name>"

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { categoricalScale, numericScale, toFloats } from "./colour-scales.js";
import { createColourLegend } from "./colour-legend.js";
import { countKnown, NOT_MEASURED_COLOR, PARTIAL_KEYS, partialNote } from "./partial-values.js";
import { PER_POINT } from "./per-point-choices.js";

export { PER_POINT };

// While other seeds still train, their values are asked for again this often.
const SEEDS_RETRY_MS = 2000;

export function createColourBy({ select, legend, state, session, plots }) {
  const emitter = createEmitter();
  const sel = d3.select(select);
  const leg = createColourLegend(legend);
  let choice = "class";
  let attributes = []; // [{name, kind, source}] of the shown experiment
  let experimentId = null;
  // `${key}|${k}` -> {status: "ok", values} | {status: "partial", values, done, total} (being
  // measured: NaN where not yet) | {status: "pending" | "missing", message}
  const perPoint = new Map();
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
        if (mine === token) leg.fail(err.message);
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
    const got = ks.map((k) => perPoint.get(`${key}|${k}`)).filter((e) => e?.status === "ok" || e?.done > 0);
    const meta = PER_POINT.find((m) => m.key === key);
    scale = got.length ? numericScale(got.map((e) => e.values), Boolean(meta?.diverging), meta?.label || key) : null;
    if (scale) for (const e of got) e.codes = null; // the scale changed: codes are recomputed
    applyAll();
    if (!scale) applyNotYet();
    renderLegend(ks);
    announce(ks);
  }

  async function loadPerPoint(key, k) {
    const id = `${key}|${k}`;
    if (perPoint.get(id)?.status === "ok" || perPoint.get(id)?.status === "missing") return;
    const exp = experimentId;
    // A stored iteration being measured: the points done so far (null once the exact values
    // are stored). One still training has nothing to ask for (a 404 logs a console error).
    if (PARTIAL_KEYS.has(key) && state.get().experiment?.iterations?.[k]) {
      const partial = await api.partialPerPoint(exp, k, key).catch(() => null);
      if (exp !== experimentId) return;
      if (partial) {
        perPoint.set(id, { status: "partial", values: partial.values, done: countKnown(partial.values), total: partial.values.length });
        return;
      }
    }
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
    if (entry?.status === "ok" || entry?.status === "partial") {
      if (!entry.codes) entry.codes = scale.codesOf(entry.values);
      // Points not measured yet (NaN) are drawn in the pale "not yet" grey.
      const unknown = entry.status === "partial" ? NOT_MEASURED_COLOR : undefined;
      plot.setColoring({ codes: entry.codes, colors: scale.colors, unknown });
    } else {
      // Not measured (yet): grey, which the legend explains, rather than another meaning.
      plot.setColoring({ codes: new Uint16Array(0), colors: scale.colors });
    }
  }

  /** No scale yet (no point measured anywhere): points being measured are all "not yet". */
  function applyNotYet() {
    const key = choice.slice(3);
    for (const plot of Object.values(plots)) {
      if (perPoint.get(`${key}|${iterationOf(plot)}`)?.status !== "partial") continue;
      plot.setColoring({ codes: new Uint16Array(0), colors: [NOT_MEASURED_COLOR], unknown: NOT_MEASURED_COLOR });
    }
  }

  // ---- legend ----------------------------------------------------------------------------------
  function renderLegend(iterations = null) {
    const title = scale?.kind === "numeric" ? scaleTitle() : null;
    leg.render({ choice, scale, notes: [measuringNote(iterations), pendingNote(iterations)], title });
  }

  /** "Iteration 1: 38% of points measured so far (pale grey: not yet)". */
  function measuringNote(iterations) {
    if (!iterations || !choice.startsWith("pp:")) return "";
    const key = choice.slice(3);
    const parts = iterations.map((k) => ({ k, ...perPoint.get(`${key}|${k}`) })).filter((e) => e.status === "partial");
    const stopped = ["cancelled", "failed", "interrupted"].includes(state.get().status);
    return partialNote(parts, { stopped });
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

  /** fill: per iteration shown, how many points hold a value ({k: {measured, total}}). */
  function announce(iterations = []) {
    const fill = {};
    for (const k of choice.startsWith("pp:") ? iterations : []) {
      const e = perPoint.get(`${choice.slice(3)}|${k}`);
      if (e?.status === "partial") fill[k] = { measured: e.done, total: e.total };
      else if (e?.status === "ok") fill[k] = { measured: countKnown(e.values), total: e.values.length };
    }
    emitter.emit("change", { choice, scale: scale && { ...scale, name: scaleName() }, fill });
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
    // Partial values (and pending ones of a stored iteration) are asked for again as well.
    const stale = ([id, e]) => {
      const [key, k] = id.split("|");
      const it = s.experiment?.iterations?.[Number(k)];
      return e.status === "partial" || (e.status === "pending" && (it?.measured || (it && PARTIAL_KEYS.has(key))));
    };
    const measuredNow = changed.includes("experiment") && [...perPoint.entries()].some(stale);
    if ((changed.includes("metricsReady") && s.metricsReady) || changed.includes("currentIteration") || measuredNow) {
      for (const [id, e] of perPoint) if (e.status === "pending" || e.status === "partial") perPoint.delete(id);
      if (choice.startsWith("pp:")) scheduleRefresh();
    }
    if (changed.includes("estimates") && s.estimates) measuredMore(s.estimates.iteration);
    // A measure job cancelled or failed: the legend stops promising more points.
    if (changed.includes("status") && [...perPoint.values()].some((e) => e.status === "partial")) renderLegend(wanted());
  });

  // A measure job finished more points of iteration k: ask for them once the answer before is
  // in (the newest event wins; every answer is drawn, however fast the events come).
  let morePending = null;
  let moreBusy = false;
  async function measuredMore(k) {
    morePending = k;
    if (moreBusy) return;
    moreBusy = true;
    try {
      while (morePending !== null) {
        const key = choice.slice(3);
        const id = `${key}|${morePending}`;
        morePending = null;
        const status = perPoint.get(id)?.status;
        if (!PARTIAL_KEYS.has(key) || status === "ok" || status === "missing") continue;
        perPoint.delete(id);
        await refresh();
      }
    } finally {
      moreBusy = false;
    }
  }

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
