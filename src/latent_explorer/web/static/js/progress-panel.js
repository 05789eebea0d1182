// Job progress: a bar (epoch / epochs), a status line and a live loss curve, fed by the
// Server-Sent Events of the experiment's jobs. After training, a separate measure job computes
// the exact quality metrics (a minute on 70,000 points): the bar then shows the time spent
// against an estimate (the parent iteration's measuring time). The Cancel button cancels the
// job shown, training or measuring; job-follower.js wires it. "Stop & keep" (training only)
// ends training after the current epoch and keeps the model the live plot shows.

import { createChartFrame } from "./chart-frame.js";
import { d3 } from "./d3.js";
import { measuredText } from "./estimate-text.js";
import { etaSeconds, etaText } from "./eta.js";
import { formatLoss, formatSeconds } from "./format.js";
import { repetitionText } from "./repeat-control.js";

const CHART = { width: 300, height: 74, margin: { top: 6, right: 8, bottom: 16, left: 40 } };

export function createProgressPanel(root) {
  const el = d3.select(root);
  const label = el.select(".progress-label");
  const bar = el.select("#progress");
  const fill = el.select(".progress-fill");
  const text = el.select(".progress-text");
  const cancelButton = el.select("#cancel-button");
  const stopButton = el.select("#stop-button");
  const { svg, x, y, xAxis, yAxis } = createChartFrame(el.select(".loss-chart"), CHART);
  const { top, right } = CHART.margin;
  const line = svg.append("path").attr("class", "loss-line");
  const dots = svg.append("g").attr("class", "loss-dots");
  svg.append("text").attr("class", "chart-caption").attr("x", CHART.width - right).attr("y", top + 8).attr("text-anchor", "end").text("loss");

  let losses = [];
  let epochs = 0;
  let frame = 0;
  let what = ""; // "iteration K (all points)" or "iteration K on the selection"
  let live = false; // a job is shown (start .. finish), not a stored history
  let clock = null; // {startMs, startDone}: the first progress event of the job shown (ETA)

  let auto = false; // the epochs were left to the server (a short run then says why)
  let job = null; // {job_id, kind, iteration}: what Cancel stops

  // The status line holds three lines at most (its height is reserved); its title keeps the
  // whole text in case a narrow column still cuts it.
  function say(message) {
    text.text(message).attr("title", message || null);
  }

  function showCancel(title) {
    cancelButton.property("disabled", false).style("display", null).attr("title", title);
  }

  // "on" while training; "kept" while measuring: hidden by visibility, so its place is kept
  // and Cancel beside it does not move (a layout shift); "gone" when no job runs (Cancel goes
  // too, so nothing moves) and the label gets the whole width.
  function showStop(mode) {
    stopButton
      .classed("is-off", mode !== "on")
      .style("display", mode === "gone" ? "none" : null)
      .property("disabled", mode !== "on");
  }

  function setBar(epoch, total) {
    const share = total > 0 ? Math.min(1, epoch / total) : 0;
    fill.style("width", `${(share * 100).toFixed(1)}%`);
    bar
      .attr("data-epoch", epoch)
      .attr("data-epochs", total)
      .attr("aria-valuenow", epoch)
      .attr("aria-valuemax", total);
  }

  function drawChart() {
    frame = 0;
    // The axis grows with the curve: a cap of 2,000 epochs (training to convergence may stop
    // at 100) would squeeze it against the left edge.
    x.domain([1, Math.max(2, Math.min(epochs || Infinity, Math.ceil(losses.length * 1.25) + 1), losses.length)]);
    const finite = losses.filter(Number.isFinite);
    const [lo, hi] = finite.length ? d3.extent(finite) : [0, 1];
    // One epoch (or a flat curve) has no range: pad it by 5% so the axis reads "300 317 330",
    // not "317 317" from a domain a billionth wide.
    const pad = lo === hi ? Math.max(Math.abs(lo) * 0.05, 1e-3) : 0;
    y.domain([lo - pad, hi + pad]).nice(3);
    xAxis.call(d3.axisBottom(x).tickValues(epochTicks(x.domain())).tickFormat(d3.format("d")).tickSizeOuter(0));
    // A fixed format, not ticks(n, "~g"): that one turns 160 into "1.6e+2".
    yAxis.call(d3.axisLeft(y).ticks(3).tickFormat(d3.format(".3~g")).tickSizeOuter(0));
    line.attr(
      "d",
      d3
        .line()
        .defined(Number.isFinite)
        .x((_, i) => x(i + 1))
        .y((d) => y(d))(losses),
    );
    // A line needs two points: a short run shows its losses as dots too.
    dots
      .selectAll("circle")
      .data(finite.length <= 3 ? losses.map((v, i) => [i + 1, v]).filter(([, v]) => Number.isFinite(v)) : [])
      .join("circle")
      .attr("r", 2.5)
      .attr("cx", ([e]) => x(e))
      .attr("cy", ([, v]) => y(v));
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(drawChart);
  }

  return {
    cancelButton: cancelButton.node(),
    stopButton: stopButton.node(),

    /** A job starts (or a page reload joins one): clears the curve. */
    /** repetitions: a "× N" Submit (iterations K .. K+N-1); auto: the epochs were left blank. */
    start({ kind, iteration, epochs: total, repetitions = 1, auto: blank = false }) {
      losses = [];
      clock = null;
      epochs = total || 0;
      auto = blank;
      root.hidden = false;
      live = true;
      what = describeJob(kind, iteration, repetitions);
      el.attr("data-state", "running");
      label.text(`Training ${what}`).attr("title", `Training ${what}`);
      say("waiting for a worker…");
      showCancel(`Stop training ${what}; earlier iterations are kept`);
      showStop("on");
      setBar(0, epochs);
      schedule();
    },

    /** One SSE progress event: {iteration, epoch, epochs, loss, parts, repetition?, repetitions?}. */
    update(p) {
      epochs = p.epochs || epochs;
      if (p.repetitions > 1) {
        el.attr("data-repetition", p.repetition).attr("data-repetitions", p.repetitions);
        // Name the whole range (a reload joins the sequence knowing only the job's first iteration).
        if (live && Number.isInteger(p.iteration)) {
          what = describeJob("retrain", p.iteration - (p.repetition - 1), p.repetitions);
          label.text(`Training ${what}`);
        }
      }
      // Events are replayed from the first epoch after a reconnect: index by epoch.
      if (p.epoch >= 1) losses[p.epoch - 1] = p.loss;
      setBar(p.epoch, epochs);
      const parts = p.parts
        ? Object.entries(p.parts)
            .map(([k, v]) => `${k} ${formatLoss(v)}`)
            .join(", ")
        : "";
      // Time left at the pace so far (eta.js); repetitions of a "× N" Submit count as one run.
      const done = ((p.repetition || 1) - 1) * epochs + p.epoch;
      const total = (p.repetitions || 1) * epochs;
      const now = performance.now();
      if (!clock || done < clock.startDone) clock = { startMs: now, startDone: done };
      const held = heldOutText(p);
      // Training to convergence may stop before the cap: the time left is a bound then.
      const eta = etaText(etaSeconds({ ...clock, nowMs: now, done, total }));
      const left = held && eta ? eta.replace(/^about /, "at most ") : eta;
      say(
        `${repetitionText(p)}epoch ${p.epoch} / ${epochs}${held ? "" : ` · loss ${formatLoss(p.loss)}${parts ? ` (${parts})` : ""}`}${held}${left ? ` · ${left}` : ""}`,
      );
      schedule();
    },

    /** The job Cancel stops: {job_id, kind, iteration}. */
    setJob(next) {
      job = next;
    },

    /** Training is over; a measure job computes the metrics of `iteration`. */
    measuring({ iteration } = {}) {
      root.hidden = false;
      el.attr("data-state", "measuring");
      if (live) label.text(`Trained ${what}`);
      const k = iteration ?? job?.iteration;
      // Measuring is a job of its own and cancels like one; the plots stay.
      showStop("kept");
      showCancel(`Stop measuring iteration ${k ?? ""}; its plots stay, its tables stay empty`);
      setBar(epochs, epochs);
      fill.style("width", "100%"); // full even when no epoch was reported (a reload, 0 epochs)
      bar.attr("aria-valuetext", "computing quality metrics");
      say("computing quality metrics…");
    },

    /** A measure job's progress: {stage: "sampled" | "exact", eta_s, elapsed_s}. */
    measureProgress({ stage, eta_s: eta, elapsed_s: elapsed, iteration }) {
      if (el.attr("data-state") !== "measuring") this.measuring({ iteration });
      const what = stage === "sampled" ? "metrics on a 2,000-point sample" : "exact quality metrics";
      const left = eta ? ` · about ${formatSeconds(Math.max(1, eta - (elapsed || 0)))} left` : "";
      bar.attr("aria-valuetext", `computing ${what}`);
      say(`iteration ${iteration}: computing ${what}…${left}`);
    },

    /** A measure job's estimates event: how much of the exact pass is done, and how long is left. */
    measureEstimates({ iteration, rows_done: done, rows_total: total, eta_s: eta, exact }) {
      if (el.attr("data-state") !== "measuring") this.measuring({ iteration });
      const left = !exact && Number.isFinite(eta) ? ` · ${etaText(eta)}` : "";
      bar.attr("aria-valuetext", `exact quality metrics, ${measuredText(done, total)}`);
      say(`iteration ${iteration}: exact quality metrics, ${measuredText(done, total)}${left}`);
    },

    /** A line of news about the job (e.g. it is run again after its worker stopped). */
    note(message) {
      say(message);
    },

    /** The job ended: state is "done", "failed" or "cancelled". */
    finish(state, message) {
      // The stream's "idle" settles on "done" after the last "measured" already said how the
      // job went: keep that line ("done · 3 epochs in 0.2 s, metrics in 0.3 s").
      if (state === "done" && !message && !live && el.attr("data-state") === "done") return;
      el.attr("data-state", state);
      bar.attr("aria-valuetext", null);
      const verb = { done: "Trained", failed: "Failed:", cancelled: "Cancelled:" }[state] || "";
      if (live) label.text(`${verb} ${what}`);
      live = false;
      cancelButton.property("disabled", true).style("display", "none");
      showStop("gone");
      if (state === "done") {
        setBar(epochs, epochs);
        say(`${message || "done"}${what.startsWith("iteration 0") ? "" : shortRunNote(epochs, { auto })}`);
      } else {
        say(message || state);
      }
    },

    /** Show an iteration's stored loss history (e.g. after a reload). */
    showHistory({ kind, iteration, losses: history, note }) {
      losses = Array.from(history || []);
      epochs = losses.length;
      live = false;
      bar.attr("aria-valuetext", null);
      root.hidden = false;
      el.attr("data-state", "done");
      label.text(kind === "initial" ? "Iteration 0 (all points)" : `Iteration ${iteration}`);
      cancelButton.property("disabled", true).style("display", "none");
      showStop("gone");
      setBar(epochs, epochs);
      const short = kind === "initial" ? "" : shortRunNote(epochs);
      say(note || `${epochs} epoch${epochs === 1 ? "" : "s"} · final loss ${formatLoss(losses[losses.length - 1])}${short}`);
      schedule();
    },

    hide() {
      root.hidden = true;
    },
  };
}

/**
 * With training to convergence: " · held-out error 0.0312 (lowest at epoch 10)", the number
 * that decides when training stops; "" without it.
 */
export function heldOutText({ held_out: held, best_epoch: best, epoch }) {
  if (!Number.isFinite(held)) return "";
  const lowest = best === epoch ? "the lowest so far" : `lowest at epoch ${best}`;
  return ` · held-out error ${formatLoss(held)} (${lowest})`;
}

/**
 * Whole epochs only, each once: d3's default ticks on a short domain are fractional (1, 1.2,
 * ...) and a "d" format rounds them to "1 1 1 2 2 2".
 */
export function epochTicks([lo, hi], count = 4) {
  const ticks = d3.ticks(lo, hi, Math.min(count, Math.max(1, hi - lo))).filter(Number.isInteger);
  return ticks.length ? ticks : [Math.ceil(lo)];
}

/**
 * What a job trains, for the panel's head: "iteration 0 (all points)", "iteration 4 on the
 * selection", or for a "× 10" Submit from iteration 2 "iterations 2–11 (× 10)".
 */
export function describeJob(kind, iteration, repetitions = 1) {
  if (kind === "initial" || iteration === 0) return "iteration 0 (all points)";
  if (repetitions > 1 && Number.isInteger(iteration)) {
    // Short enough for the 300 px column: "Training iterations 12–31 (× 20)".
    return `iterations ${iteration}–${iteration + repetitions - 1} (× ${repetitions})`;
  }
  return Number.isInteger(iteration) ? `iteration ${iteration} on the selection` : "a new iteration on the selection";
}

/**
 * Why a Submit trained so briefly: without an epochs value the server gives a Submit at most
 * 600 optimiser steps, fewer on big networks so that it takes about two seconds
 * (core/training.py default_retrain_epochs); on a large selection that is one or two epochs.
 * auto: true when the epochs were left blank (the cap is the reason), false when the analyst
 * entered them (nothing to explain), undefined when not known (a stored iteration).
 */
export function shortRunNote(epochs, { auto } = {}) {
  if (!(epochs >= 1 && epochs <= 3) || auto === false) return "";
  const only = ` · only ${epochs} epoch${epochs === 1 ? "" : "s"}`;
  return auto ? `${only}: blank epochs are capped by compute (about 2 s); enter epochs to train longer` : only;
}
