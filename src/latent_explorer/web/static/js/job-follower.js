// Following the jobs of the shown experiment through its one Server-Sent Event stream.
// A Submit (or Train) queues a train job; when it has stored the coordinates the server
// queues a measure job for that iteration, at lower priority:
//   queued / started  -> which job the panel (and its Cancel button) shows
//   progress          -> train: the bar and the live loss curve; measure: stage, ETA
//   live              -> train: a new frame of the coordinates is stored: the plot moves to it
//   estimates         -> measure: T and C estimated from the points measured so far (with
//                        95% intervals) in the tables, until the exact ones replace them
//   projected         -> K's coordinates are stored: draw the plots now; Submit is usable
//                        again (status "measuring") while the tables say "computing…"
//   measured          -> K's tables are stored (sampled first on large sets, then exact)
//   error / cancelled / interrupted -> that job ended without a result
//   idle              -> no job is queued or running: settle on what the server holds.
// The page status is "ready" only when the shown iteration's exact tables are on the page.

import { api } from "./api.js";
import { formatSeconds } from "./format.js";

const RECONNECT_MS = 2000;

export function createJobFollower({ state, session, progress, errors, view }) {
  let stream = null; // the open EventSource wrapper
  let projection = null; // Promise: the view of the last "projected" iteration, being drawn
  let shown = null; // the job the panel shows: {job_id, kind, iteration}
  let training = false; // a train job of this experiment is queued or running
  let liveWanted = null; // the newest "live" event not drawn yet
  let livePulling = false; // one frame is fetched at a time; the newest event wins

  function stop() {
    stream?.close();
    stream = null;
    projection = null;
    shown = null;
    liveWanted = null;
  }

  /** Draw the newest live frame announced, then any newer one announced meanwhile. */
  async function pullLive(mine) {
    if (livePulling) return;
    livePulling = true;
    try {
      while (liveWanted && session.isCurrent(mine)) {
        const { iteration } = liveWanted;
        liveWanted = null;
        // null: the iteration was stored meanwhile ("projected" draws it); nothing to show.
        const frame = await api.liveFrame(state.get().experimentId, iteration).catch(() => null);
        if (frame && session.isCurrent(mine)) await view.showLive(frame, mine).catch(() => null);
      }
    } finally {
      livePulling = false;
    }
  }

  function show(job) {
    shown = job;
    progress.setJob(job);
    state.set({ job: { ...state.get().job, id: job.job_id, kind: job.kind, iteration: job.iteration } });
  }

  /** Follow the experiment's jobs until none is left; `after`: a POST's events_after. */
  function follow(mine, { after = null } = {}) {
    stop();
    training = state.get().status === "training";
    const id = state.get().experimentId;
    const current = () => session.isCurrent(mine);
    stream = api.events(
      id,
      {
        queued(d) {
          if (!current()) return;
          if (d.kind === "train") {
            training = true;
            show(d);
          }
        },
        started(d) {
          if (!current()) return;
          // A measure job starting while a Submit trains stays in the background.
          if (d.kind === "measure" && training) return;
          show(d);
          if (d.kind === "measure") progress.measuring(d);
        },
        progress(p) {
          if (!current()) return;
          if (p.kind === "measure") {
            if (!training) progress.measureProgress(p);
          } else {
            progress.update(p);
          }
        },
        live(d) {
          if (!current()) return;
          liveWanted = d;
          pullLive(mine);
        },
        estimates(d) {
          if (!current()) return;
          view.showEstimates(d);
          if (!training) progress.measureEstimates(d);
          state.set({ estimates: d }); // colour by local T / C fills in (colour-by.js)
        },
        projected({ iteration, repetition, repetitions }) {
          if (!current()) return;
          // A repeated Submit ("× N") projects each repetition; the job trains on after all
          // but the last, so the page stays "training" (Submit off, Cancel on) until then.
          training = repetitions > repetition;
          if (!training) {
            progress.measuring({ iteration });
            state.set({ job: { ...state.get().job, iteration, phase: "measuring" } });
          }
          // Each repetition is drawn as it comes: plot 3 moves from the one before.
          projection = showProjected(iteration, mine);
        },
        async measured({ iteration, sampled }) {
          if (!current()) return;
          await projection?.catch(() => null);
          const exp = await session.refresh(mine);
          if (!exp || !current()) return;
          if (state.get().currentIteration === iteration) await view.fillMetrics(iteration, mine);
          if (!sampled && !training && current()) {
            const it = exp.iterations[iteration];
            const took = it && `${it.epochs} epoch${it.epochs === 1 ? "" : "s"} in ${formatSeconds(it.train_seconds)}`;
            progress.finish("done", it ? `done · ${took}, metrics in ${formatSeconds(it.metric_seconds)}` : "done");
            if (state.get().currentIteration === iteration) state.set({ status: "ready", job: null });
          }
        },
        async error(d) {
          if (!current()) return;
          if (d.kind === "train") training = false;
          else view.clearEstimates();
          const message = d.message || "unknown error";
          progress.finish("failed", `failed: ${message}`);
          errors.show(message, d.kind === "measure" ? "Measuring failed" : "Training failed");
          await session.refresh(mine);
          if (current() && !training) settleMetrics("failed");
        },
        cancelled(d) {
          if (!current()) return;
          if (d.kind === "train") training = false;
          else view.clearEstimates();
          progress.finish("cancelled", d.kind === "measure" ? `measuring iteration ${d.iteration} cancelled` : "cancelled");
          if (!training) settleMetrics("cancelled");
        },
        interrupted(d) {
          if (!current()) return;
          if (d.kind === "train") training = false;
          else view.clearEstimates();
          progress.finish("failed", "interrupted: the worker running it stopped");
          errors.show(`The ${d.kind} job of iteration ${d.iteration} was interrupted (its worker stopped).`, "Job interrupted");
        },
        requeued(d) {
          if (current()) progress.note(`the worker stopped; running ${d.kind} of iteration ${d.iteration} again…`);
        },
        async idle() {
          // No job is left (or it ended before we connected): take what the server has.
          if (!current()) return;
          const exp = await session.refresh(mine);
          if (exp && current()) settle(exp, mine);
        },
        async disconnect() {
          if (!current()) return;
          const exp = await session.refresh(mine);
          if (!exp || !current()) return;
          if (exp.status === "training" || exp.status === "measuring") {
            setTimeout(() => current() && follow(mine), RECONNECT_MS);
          } else {
            settle(exp, mine);
          }
        },
      },
      { after },
    );
  }

  /** Draw iteration k from its coordinates while the server measures it. */
  async function showProjected(k, mine) {
    const exp = await session.refresh(mine);
    if (!exp || !session.isCurrent(mine)) return;
    await view.show(k, mine, { fromJob: true });
    // The plots are up: a Submit from them is possible while the tables are measured.
    if (session.isCurrent(mine) && !training && state.get().status === "training") state.set({ status: "measuring" });
  }

  /** A job ended without a result: a shown iteration being measured never will be. */
  function settleMetrics(status) {
    state.set({ status, job: null });
    const k = state.get().currentIteration;
    if (k !== null && !state.get().metricsReady) view.fillMetrics(k);
  }

  async function settle(exp, mine) {
    const last = exp.iterations.length - 1;
    if (exp.status === "failed" || exp.status === "cancelled" || exp.status === "interrupted") {
      progress.finish(exp.status === "interrupted" ? "failed" : exp.status, exp.error ? `failed: ${exp.error}` : exp.status);
      if (exp.error) errors.show(exp.error, "Training failed");
    } else {
      progress.finish("done");
    }
    // The status last, as when an experiment is reopened: "ready" means the last iteration
    // and its tables are on the page. (When "idle" overtook a "measured" still fetching the
    // tables, the header said "iteration K shown" over tables one fetch from filled.)
    state.set({ job: null }); // no job runs: tables still empty say "not measured", not "computing"
    if (last >= 0) {
      if (state.get().currentIteration !== last) await view.show(last, mine, { fromJob: true });
      else if (!state.get().metricsReady) await view.fillMetrics(last, mine);
    }
    // A Submit pressed meanwhile holds a job (and the status "training") of its own: keep them.
    if (!session.isCurrent(mine) || state.get().job) return;
    const busy = exp.status === "training" || exp.status === "measuring";
    state.set({ status: busy ? "ready" : exp.status });
  }

  // Cancel stops the job the panel shows, training or measuring, and only that one: the
  // server refuses (409) a cancel of a job that already ended, so it cannot stop a newer one.
  progress.cancelButton.addEventListener("click", async () => {
    let jobId = shown?.job_id || state.get().job?.id;
    const id = state.get().experimentId;
    if (!jobId && id) jobId = (await api.experiment(id).catch(() => null))?.job?.id;
    if (!jobId) return;
    progress.cancelButton.disabled = true;
    try {
      await api.cancelJob(jobId);
    } catch (err) {
      errors.show(err, "Cancel");
      progress.cancelButton.disabled = false;
    }
  });

  // "Stop & keep": the train job shown ends after its epoch, and its model is stored as the
  // iteration (then measured); Cancel would discard it.
  progress.stopButton.addEventListener("click", async () => {
    const jobId = shown?.kind === "train" ? shown.job_id : null;
    if (!jobId) return;
    progress.stopButton.disabled = true;
    progress.note("stopping after this epoch; the model is kept…");
    try {
      await api.stopJob(jobId);
    } catch (err) {
      errors.show(err, "Stop and keep");
      progress.stopButton.disabled = false;
    }
  });

  return { follow, stop };
}
