// Following the running job of the shown experiment through its Server-Sent Events:
//   progress*  -> the bar and the live loss curve
//   projected  -> K's coordinates are stored: draw the plots now, tables say "computing…"
//   measured   -> (large datasets) tables measured on the 2,000-point sample: show them,
//                 marked as sampled, while the exact ones are computed
//   done       -> K's metrics are stored: fill the tables, then the page is "ready"
//   error / cancelled / idle / disconnect -> settle on what the server holds.
// The state's status stays "training" until the tables are filled, so "ready" always means
// that everything the job produced is on the page.

import { api } from "./api.js";
import { formatSeconds } from "./format.js";

const RETRY_MS = 300;
const RECONNECT_MS = 2000;

export function createJobFollower({ state, session, progress, errors, view }) {
  let stream = null; // the open EventSource wrapper
  let projection = null; // Promise: the view of the last "projected" iteration, being drawn

  function stop() {
    stream?.close();
    stream = null;
    projection = null;
  }

  /** Follow the running job's events until it ends, then load its result. */
  function follow(mine) {
    stop();
    const id = state.get().experimentId;
    stream = api.events(id, {
      progress(p) {
        if (session.isCurrent(mine)) progress.update(p);
      },
      projected({ iteration }) {
        if (!session.isCurrent(mine)) return;
        progress.measuring();
        state.set({ job: { ...state.get().job, iteration, phase: "measuring" } });
        projection = showProjected(iteration, mine);
      },
      async measured({ iteration }) {
        if (!session.isCurrent(mine)) return;
        await projection?.catch(() => null);
        await session.refresh(mine);
        if (session.isCurrent(mine)) await view.fillMetrics(iteration, mine);
      },
      async done({ iteration }) {
        if (!session.isCurrent(mine)) return;
        // Let the plots of "projected" finish first: they come before the tables.
        await projection?.catch(() => null);
        let exp = await session.refresh(mine);
        // The iteration is stored before "done" is sent; still, never show a half-written one.
        const exact = (e) => e.iterations[iteration]?.measured && !e.iterations[iteration]?.sampled;
        for (let tries = 0; exp && !exact(exp) && tries < 5; tries++) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
          exp = await session.refresh(mine);
        }
        if (!exp || !session.isCurrent(mine)) return;
        const it = exp.iterations[iteration];
        const took = it && `${it.epochs} epochs in ${formatSeconds(it.train_seconds)}`;
        progress.finish("done", it ? `done · ${took}, metrics in ${formatSeconds(it.metric_seconds)}` : "done");
        await view.fillMetrics(iteration, mine);
        if (session.isCurrent(mine)) state.set({ status: "ready", job: null });
      },
      async error({ message }) {
        if (!session.isCurrent(mine)) return;
        progress.finish("failed", `failed: ${message || "unknown error"}`);
        errors.show(message || "unknown error", "Training failed");
        await session.refresh(mine);
        if (session.isCurrent(mine)) settleMetrics("failed");
      },
      async cancelled() {
        if (!session.isCurrent(mine)) return;
        progress.finish("cancelled", "cancelled");
        await session.refresh(mine);
        if (session.isCurrent(mine)) settleMetrics("cancelled");
      },
      async idle() {
        // No job runs (it ended before we connected): take what the server has.
        if (!session.isCurrent(mine)) return;
        const exp = await session.refresh(mine);
        if (exp && session.isCurrent(mine)) settle(exp, mine);
      },
      async disconnect() {
        if (!session.isCurrent(mine)) return;
        const exp = await session.refresh(mine);
        if (!exp || !session.isCurrent(mine)) return;
        if (exp.status === "training") setTimeout(() => session.isCurrent(mine) && follow(mine), RECONNECT_MS);
        else settle(exp, mine);
      },
    });
  }

  /** Draw iteration k from its coordinates while the server measures it. */
  async function showProjected(k, mine) {
    const exp = await session.refresh(mine);
    if (!exp || !session.isCurrent(mine)) return;
    await view.show(k, mine, { fromJob: true });
  }

  /** The job ended without "done": a shown iteration that was being measured never will be. */
  function settleMetrics(status) {
    state.set({ status, job: null });
    const k = state.get().currentIteration;
    if (k !== null && !state.get().metricsReady) view.fillMetrics(k);
  }

  function settle(exp, mine) {
    const last = exp.iterations.length - 1;
    if (exp.status === "failed" || exp.status === "cancelled") {
      progress.finish(exp.status, exp.error ? `failed: ${exp.error}` : exp.status);
      if (exp.error) errors.show(exp.error, "Training failed");
    } else {
      progress.finish("done");
    }
    state.set({ status: exp.status === "training" ? "ready" : exp.status, job: null });
    if (last < 0) return;
    if (state.get().currentIteration !== last) view.show(last, mine, { fromJob: true });
    else if (!state.get().metricsReady) view.fillMetrics(last, mine);
  }

  // Cancel stops training; the measuring phase cannot be cancelled (the progress panel hides
  // the button then), so a click there is never left without effect.
  progress.cancelButton.addEventListener("click", async () => {
    const id = state.get().experimentId;
    if (!id) return;
    progress.cancelButton.disabled = true;
    try {
      await api.cancelJob(id);
    } catch (err) {
      errors.show(err, "Cancel");
      progress.cancelButton.disabled = false;
    }
  });

  return { follow, stop };
}
