// "Show PCA": the data's own 2-D PCA as a reference picture beside the three plots (the PCA tab
// of the side column), so plot 1 stays where it is and the two can be compared. The PCA
// plot is a scatterplot like the others, so hovering, brushing, lassoing, colouring and the
// neighbour marks work on it too; only decoding does not (PCA has no decoder here).
// Its numbers sit in the metrics tables as "PCA" rows under each group.
//
//   const pca = createPcaPlot({button, plot, pcaEl, tabs, state, session, errors});
//   pca.on("change", ({shown}) => ...);

import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { formatScore } from "./format.js";

export const PCA_TEXT = {
  title: "PCA of the data",
  empty: "Train a model: the data's 2-D PCA appears here for comparison.",
};

export function createPcaPlot({ button, plot, pcaEl, tabs, state, session, errors }) {
  const emitter = createEmitter();
  let shown = false;
  let cache = null; // {id, promise} of GET /pca for the shown experiment
  let drawnFor = null; // experiment id whose PCA the plot holds

  function setShown(next) {
    shown = next;
    button.setAttribute("aria-pressed", String(shown));
    button.classList.toggle("is-on", shown);
    button.title = shown ? "Back to the Iterations tab" : "Show the data's 2-D PCA beside the plots (PCA tab)";
    if (shown) tabs.show("panel-reference");
    else if (tabs.shown() === "panel-reference") tabs.show("panel-history");
    emitter.emit("change", { shown });
    if (shown) load();
  }

  async function load() {
    const id = state.get().experimentId;
    if (!shown || !id || !session.labels || drawnFor === id) return;
    if (cache?.id !== id) {
      const promise = api.pca(id);
      promise.catch(() => (cache = null));
      cache = { id, promise };
    }
    const mine = session.token;
    let answer;
    try {
      answer = await cache.promise;
    } catch (err) {
      if (session.isCurrent(mine)) errors.show(err, "Loading the PCA");
      return;
    }
    if (!session.isCurrent(mine) || !session.labels) return;
    const toF32 = (values) => Float32Array.from(values, (v) => (v === null ? NaN : v));
    plot.setData({ x: toF32(answer.x), y: toF32(answer.y), labels: session.labels, iteration: null });
    drawnFor = id;
    const [a = NaN, b = NaN] = answer.explained_variance_ratio || [];
    const pct = (v) => (Number.isFinite(v) ? `${Math.round(100 * v)}%` : "–");
    plot.setTitle(`PCA · ${pct(a)} + ${pct(b)} of the variance`);
    const t = answer.metrics?.trustworthiness;
    pcaEl.title = Number.isFinite(t) ? `PCA: trustworthiness ${formatScore(t)} over all points` : "";
  }

  button.addEventListener("click", () => setShown(!shown));
  // The PCA tab itself shows the plot too; leaving it turns the button off.
  tabs.on("change", ({ panel }) => {
    const onTab = panel === "panel-reference";
    if (onTab !== shown) setShown(onTab);
  });
  session.on("reset", () => {
    // The plots are cleared with the experiment (iteration-view.js); draw again when shown.
    cache = null;
    drawnFor = null;
    plot.setTitle(PCA_TEXT.title);
  });
  session.on("labels", () => load());
  state.on("change", ({ changed }) => {
    if (changed.includes("experimentId")) load();
  });

  return { on: emitter.on, shown: () => shown, setShown };
}
