// "Neighbours torn apart": a plain click on a point (pan mode) marks its k nearest neighbours
// in the data in every plot, with a line from the point to each. A neighbour's colour says its
// rank in the 2-D space of the clicked plot's iteration: blue when it is still among the k
// nearest there, red when the projection put it far away (the lines of such neighbours are
// drawn stronger). The "False neighbours" switch turns the question round: the k nearest in
// 2-D, coloured by their rank in the data. Escape or a click on empty space clears the marks.
//
//   const neighbours = createNeighboursView({kInput, spaceInputs, note, state, session, plots, errors});
//   neighbours.on("change", ({id, space, ids, iteration}) => ...);   // id null: cleared

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { rankRamp } from "./colors.js";
import { formatCount } from "./format.js";

// Rank >= FAR_FACTOR * k is drawn fully red; ranks are placed on a log scale in between. On a
// small dataset the far end is the largest rank there is (n - 1): a key saying "500 or more" on
// 300 points would name a rank no point can have.
const FAR_FACTOR = 50;
const DEFAULT_K = 10;

/** The rank drawn fully red for k neighbours among n points. */
export function farRank(k, n) {
  const far = k * FAR_FACTOR;
  return n > 1 ? Math.max(k + 1, Math.min(far, n - 1)) : far;
}

/** [0, 1]: 0 while the neighbour is still within the k nearest in the other space. */
export function rankPosition(rank, k, far = k * FAR_FACTOR) {
  if (!(rank > k)) return 0;
  return Math.min(1, Math.log(rank / k) / Math.log(far / k));
}

export function createNeighboursView({ kInput, spaceInputs, note, state, session, plots, errors }) {
  const emitter = createEmitter();
  let focus = null; // {id, plot (name), iteration}
  let shown = null; // the last answer drawn
  let token = 0;

  const space = () => [...spaceInputs].find((i) => i.checked)?.value || "original";
  function count() {
    const n = session.nPoints() || Infinity;
    const k = Math.round(Number(kInput.value));
    const max = Math.max(1, Math.min(100, n - 1));
    if (!Number.isFinite(k) || k < 1) return DEFAULT_K;
    return Math.min(k, max);
  }

  async function load() {
    if (!focus) return;
    const mine = ++token;
    const exp = state.get().experimentId;
    const s = space();
    const k = count();
    let answer;
    try {
      answer = await api.neighbours(exp, focus.iteration, { point: focus.id, count: k, space: s });
    } catch (err) {
      if (mine === token) errors.show(err, "Neighbours");
      return;
    }
    if (mine !== token || !focus) return;
    shown = answer;
    draw();
  }

  function draw() {
    const a = shown;
    const far = farRank(a.k, session.nPoints());
    const positions = a.rank_in_other_space.map((r) => rankPosition(r, a.k, far));
    const marks = {
      focus: a.id,
      ids: a.neighbors,
      colors: positions.map((t) => d3.color(rankRamp(t)).formatHex()),
      strong: positions.map((t) => t >= 0.5),
    };
    for (const plot of Object.values(plots)) plot.setMarks(marks);
    describe(a, positions, far);
    emitter.emit("change", { id: a.id, space: a.space, ids: [...a.neighbors], iteration: focus.iteration });
  }

  function describe(a, positions, farAt) {
    const n = d3.select(note);
    n.selectAll("*").remove();
    n.property("hidden", false);
    const far = positions.filter((t) => t >= 0.5).length;
    const kept = a.rank_in_other_space.filter((r) => r <= a.k).length;
    const median = d3.median(a.rank_in_other_space);
    const ds = state.get().experiment?.dataset;
    const label = session.labels ? ds?.class_names?.[session.labels[a.id]] : null;
    const where = a.space === "original" ? "in the data" : "in 2-D";
    const other = a.space === "original" ? "2-D" : "the data";
    n.append("strong").text(`Point ${a.id}${label !== null && label !== undefined ? `, class ${label}` : ""}`);
    n.append("span").text(
      `: ${a.k} nearest ${where}, iteration ${focus.iteration}. ${kept} of them are among the ${a.k} nearest in ${other}, ` +
        `${far} are far (rank ≥ ${formatCount(Math.round(a.k * Math.sqrt(farAt / a.k)))}); median rank ${formatCount(Math.round(median))}.`,
    );
    const key = n.append("span").attr("class", "rank-key").attr("title", `Rank in ${other}: ≤ k blue, ${formatCount(farAt)} or more red`);
    key.append("span").text(`rank in ${other}: ≤ ${a.k}`);
    const w = 70;
    const bar = key.append("svg").attr("width", w).attr("height", 8).attr("viewBox", `0 0 ${w} 8`);
    bar
      .selectAll("rect")
      .data(d3.range(14))
      .join("rect")
      .attr("x", (i) => (i * w) / 14)
      .attr("width", w / 14 + 0.5)
      .attr("height", 8)
      .attr("fill", (i) => rankRamp(i / 13));
    key.append("span").attr("class", "rank-far").text(`≥ ${formatCount(farAt)}`);
  }

  function clear() {
    const had = focus !== null;
    focus = null;
    shown = null;
    token++;
    for (const plot of Object.values(plots)) plot.setMarks(null);
    d3.select(note).property("hidden", true).selectAll("*").remove();
    if (had) emitter.emit("change", { id: null, space: space(), ids: [], iteration: null });
    return had;
  }

  for (const [name, plot] of Object.entries(plots)) {
    plot.on("pointfocus", ({ id }) => {
      // The PCA plot has no iteration: its points are asked about in the shown iteration.
      const k = plot.iteration() ?? state.get().currentIteration;
      if (k === null || k === undefined || !state.get().experimentId) return;
      focus = { id, plot: name, iteration: k };
      load();
    });
    plot.on("emptyclick", () => clear());
  }
  kInput.addEventListener("change", () => {
    kInput.value = String(count());
    load();
  });
  for (const input of spaceInputs) input.addEventListener("change", () => load());

  // Escape clears the marks first (and only them); a second Escape clears the selection. The
  // window's capture phase runs before the document's listeners that clear the selection.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" && focus && clear()) event.preventDefault();
    },
    true,
  );

  session.on("reset", () => clear());
  state.on("change", ({ state: s, changed }) => {
    if (!focus || !changed.includes("currentIteration")) return;
    // Another iteration is shown: ask again about the same point in what the clicked plot shows now.
    const k = plots[focus.plot]?.iteration() ?? s.currentIteration;
    if (k === null || k === undefined) clear();
    else {
      focus = { ...focus, iteration: k };
      load();
    }
  });

  return {
    on: emitter.on,
    clear,
    space,
  };
}
