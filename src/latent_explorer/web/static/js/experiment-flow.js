// The analyst's path through experiments: Train starts one, Submit adds an iteration to it,
// and an address with ?experiment=<id> (a reload, a shared link, Back/Forward) reopens one and
// rejoins its running job. Each of these resets or extends the view, then hands the job to
// the follower.

import { api } from "./api.js";
import { isUsable } from "./controls.js";
import { readSeeds } from "./seeds-setting.js";
import { EXPERIMENT_ID, readUrl, setUrl } from "./url.js";

// The per-experiment part of the state, as it is before anything of an experiment is known.
const NO_ITERATION = { job: null, currentIteration: null, parentIteration: null, metrics: null, metricsReady: false };

export function createExperimentFlow(deps) {
  const { state, session, selection, controls, submitForm, repeatControl, progress, errors, view, follower } = deps;
  async function loadModelInfo(name, model, overrides = null) {
    state.set({ datasetName: name, model });
    try {
      const info = await api.models(name);
      if (controls.dataset() !== name) return; // the user picked another one meanwhile
      state.set({ modelInfo: info });
      controls.setParameters(info, model, overrides);
      submitForm.setLimits?.(info.submit_parameters);
    } catch (err) {
      errors.show(err, "Loading model settings");
    }
  }

  /** Forget the shown experiment: answers still on their way for it are dropped. */
  function reset() {
    session.reset();
    follower.stop();
    selection.clear("reset");
    view.clear();
  }

  async function startExperiment() {
    const dataset = controls.dataset();
    const model = controls.model();
    const entry = state.get().datasets.find((d) => d.name === dataset);
    if (!entry) return errors.show("Choose a dataset first");
    if (!isUsable(entry)) return errors.show(`${entry.title || entry.name} is not available: ${entry.how_to_get}`);
    const { config, errors: problems } = controls.readConfig(model);
    const seeds = readSeeds();
    if (seeds.error) problems.push(seeds.error);
    if (problems.length) {
      problems.forEach((p) => errors.show(p));
      return;
    }
    errors.clear();
    controls.setBusy(true);
    let answer;
    try {
      answer = await api.createExperiment({ dataset, model, config, ...(seeds.seeds > 1 ? { seeds: seeds.seeds } : {}) });
    } catch (err) {
      controls.setBusy(false);
      return errors.show(err, "Train");
    }
    reset();
    setUrl(answer.id, null, "push");
    state.set({
      ...NO_ITERATION,
      experimentId: answer.id,
      experiment: null,
      status: "training",
      job: { kind: "initial", iteration: 0, epochs: config.epochs ?? null },
    });
    progress.start({ kind: "initial", iteration: 0, epochs: config.epochs ?? 0 });
    const mine = session.token;
    await session.refresh(mine);
    if (session.isCurrent(mine)) follower.follow(mine, { after: answer.events_after });
  }

  async function submitIteration() {
    const s = state.get();
    const read = submitForm.read();
    if (read.error) return errors.show(read.error);
    const repeated = repeatControl ? repeatControl.read() : { repeat: 1 };
    if (repeated.error) return errors.show(repeated.error);
    if (!selection.size) return errors.show("Select points first");
    const body = {
      parent: s.currentIteration ?? 0,
      selected_ids: selection.toSortedArray(),
      selection: selection.how || { method: "manual", params: {} },
      mode: read.mode,
      epochs: read.epochs,
    };
    // "× N": N chained fine-tunes as one job; each repetition is stored as an iteration.
    if (repeated.repeat > 1) body.repeat = repeated.repeat;
    const mine = session.token;
    // Busy at once, so a double click cannot send two jobs.
    state.set({ status: "training", job: { kind: "retrain", iteration: null, epochs: read.epochs } });
    let answer;
    try {
      answer = await api.submitIteration(s.experimentId, body);
    } catch (err) {
      if (!session.isCurrent(mine)) return;
      state.set({ status: s.status, job: null });
      return errors.show(err, "Submit");
    }
    if (!session.isCurrent(mine)) return;
    errors.clear();
    state.set({ job: { kind: "retrain", iteration: answer.iteration, epochs: read.epochs } });
    progress.start({
      kind: "retrain",
      iteration: answer.iteration,
      epochs: read.epochs || 0,
      repetitions: repeated.repeat,
      auto: !read.epochs,
    });
    follower.follow(mine, { after: answer.events_after });
  }

  /** Reopen experiment id at `iteration` (or its last), and rejoin its job if one runs. */
  async function restore(id, iteration) {
    reset();
    const mine = session.token;
    state.set({ ...NO_ITERATION, experimentId: id, experiment: null, status: "idle" });
    let exp;
    try {
      exp = await api.experiment(id);
    } catch (err) {
      if (!session.isCurrent(mine)) return;
      errors.show(err, "Opening the experiment in the address bar");
      setUrl(null, null, "replace");
      state.set({ experimentId: null, status: "idle" });
      return;
    }
    if (!session.isCurrent(mine)) return;
    controls.setDataset(exp.dataset.name);
    controls.setModel(exp.model);
    loadModelInfo(exp.dataset.name, exp.model, exp.config);
    session.adopt(exp);
    const running = (exp.status === "training" || exp.status === "measuring") && exp.job;
    state.set({ job: running ? exp.job : null });
    // Iterations still being measured are listed too: their plots are drawn at once and their
    // tables say "computing…" until the job's "done" fills them.
    const last = exp.iterations.length - 1;
    if (last >= 0) {
      const k = iteration !== null && iteration <= last ? iteration : last;
      await view.show(k, mine, { fromUrl: iteration === k });
    }
    if (!session.isCurrent(mine)) return;
    // The status last: "ready" means the iteration is on the page, not just on its way.
    state.set({ status: exp.status });
    if (running) {
      progress.start({ kind: exp.job.kind, iteration: exp.job.iteration, epochs: exp.job.epochs });
      if (exp.job.phase === "measuring") progress.measuring();
      follower.follow(mine);
    } else if (exp.status === "failed" && exp.error) {
      errors.show(exp.error, "Training failed");
    }
  }

  /** Show what the address names: an experiment, or the empty page. */
  async function openFromUrl() {
    const { id, iteration } = readUrl();
    if (id && EXPERIMENT_ID.test(id)) {
      await restore(id, iteration);
      return;
    }
    if (id) {
      errors.show(`The address holds an invalid experiment id (${id}); it must be 32 hexadecimal characters`);
      setUrl(null, null, "replace");
    }
    reset();
    state.set({ ...NO_ITERATION, experimentId: null, experiment: null, status: "idle" });
    progress.hide();
  }

  controls.on("dataset", (name) => loadModelInfo(name, controls.model()));
  controls.on("model", (model) => {
    state.set({ model });
    const info = state.get().modelInfo;
    if (info) controls.setParameters(info, model);
  });
  controls.on("train", () => startExperiment());
  submitForm.on("submit", () => submitIteration());
  window.addEventListener("popstate", () => openFromUrl());

  return { loadModelInfo, openFromUrl };
}
