// What the page says about itself: the status line in the header, the Submit button's state
// and the read-only test hook. All three follow the state and the selection, never the
// reverse, so they live together and are refreshed on every change of either.

import { d3 } from "./d3.js";

export function createPageStatus({ state, selection, submitForm, controls, hook }) {
  function statusText(s) {
    if (!s.experimentId) return "No experiment yet";
    const name = s.experiment?.dataset?.title || s.experiment?.dataset?.name || s.datasetName || "";
    const model = (s.experiment?.model || s.model || "").toUpperCase();
    const prefix = name ? `${name} · ${model} · ` : "";
    switch (s.status) {
      case "training":
        return s.job?.phase === "measuring"
          ? `${prefix}measuring iteration ${s.job.iteration}…`
          : `${prefix}training iteration ${s.job?.iteration ?? ""}…`;
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
      // "training" until the job's metrics are shown too, so a test waiting for "ready"
      // waits for everything the job produces.
      status: s.status,
      datasetName: s.experiment?.dataset?.name || s.datasetName,
      model: s.experiment?.model || s.model,
      selectionSize: selection.size,
      selectedIds: () => selection.toSortedArray(),
      currentIteration: s.currentIteration,
      parentIteration: s.parentIteration,
      iterations: s.experiment?.iterations?.length || 0,
      metrics: s.metrics,
      metricsReady: s.metricsReady,
    });
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

  // The picker may name another dataset than the plots show (one just uploaded, or chosen for
  // the next Train): the status line says so, so the header never claims plots it does not show.
  const picker = document.getElementById("dataset-select");
  function pendingText(s) {
    const chosen = picker?.value;
    const shown = s.experiment?.dataset?.name;
    if (!shown || !chosen || chosen === shown || s.status === "training") return "";
    const title = s.datasets?.find((d) => d.name === chosen)?.title || chosen;
    return ` · press Train to explore ${title}`;
  }

  function renderStatus(s) {
    const pending = pendingText(s);
    const text = statusText(s) + pending;
    d3.select("#status")
      .attr("data-status", s.status)
      .attr("data-pending", pending ? "true" : null)
      .attr("title", text)
      .text(text);
  }
  picker?.addEventListener("change", () => renderStatus(state.get()));

  state.on("change", ({ state: s, changed }) => {
    controls.setBusy(s.status === "training");
    updateSubmit();
    renderStatus(s);
    if (changed.includes("experimentId")) d3.select("body").attr("data-experiment", s.experimentId || "");
    publish();
  });
  selection.on("change", () => {
    updateSubmit();
    publish();
  });

  return { updateSubmit, publish, renderStatus: () => renderStatus(state.get()) };
}
