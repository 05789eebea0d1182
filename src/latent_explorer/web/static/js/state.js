// Application state: one plain object, replaced by patches, with a "change" event naming the
// keys that changed. Views read it; only the flows wired in main.js (experiment-flow,
// job-follower, iteration-view, session) write it, so the flow stays traceable.

import { createEmitter } from "./emitter.js";

export { createEmitter };

export const INITIAL_STATE = Object.freeze({
  datasets: [], // entries of GET /api/datasets
  datasetName: null,
  model: "ae",
  modelInfo: null, // GET /api/models for the chosen dataset
  experimentId: null,
  experiment: null, // GET /api/experiments/<id>
  status: "idle", // idle | training | ready | failed | cancelled
  job: null, // {kind, iteration, epochs} while one runs
  currentIteration: null, // K, shown in plots 2 and 3 (or 0 alone)
  parentIteration: null, // P, shown in plot 1
  metrics: null, // last GET .../metrics answer
  metricsReady: false, // the shown iteration's tables hold numbers (false while it is measured)
  estimates: null, // the last "estimates" event of a measure job: more points are measured
});

export function createState(initial = INITIAL_STATE) {
  const emitter = createEmitter();
  let state = { ...initial };
  return {
    get: () => state,
    set(patch) {
      const changed = Object.keys(patch).filter((k) => state[k] !== patch[k]);
      if (!changed.length) return;
      state = { ...state, ...patch };
      emitter.emit("change", { state, changed });
    },
    on: emitter.on,
  };
}
