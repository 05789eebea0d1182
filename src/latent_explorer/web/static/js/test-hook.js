// Read-only page state for browser tests at window.__explorer. It is a plain object rebuilt
// on every change, so a test can poll it (page.wait_for_function) without knowing the modules.

export function createTestHook() {
  const hook = {
    experimentId: null,
    status: "idle",
    datasetName: null,
    model: null,
    selectionSize: 0,
    selectedIds: () => [],
    plots: {
      initial: { iteration: null, pointsDrawn: 0, visiblePoints: 0 },
      selected: { iteration: null, pointsDrawn: 0, visiblePoints: 0 },
      all: { iteration: null, pointsDrawn: 0, visiblePoints: 0 },
    },
    currentIteration: null,
    parentIteration: null,
    iterations: 0,
    metrics: null,
    metricsReady: false,
    errors: [],
  };
  window.__explorer = hook;
  return {
    /** Merge fields into the hook (plots merge per plot). */
    update(patch) {
      const { plots, ...rest } = patch;
      Object.assign(hook, rest);
      if (plots) {
        for (const [name, stats] of Object.entries(plots)) hook.plots[name] = { ...hook.plots[name], ...stats };
      }
    },
  };
}
