// The iteration strip: one chip per iteration ("0 initial", "1 fine-tune · 120 pts", ...)
// and a small chart of trustworthiness and continuity (all points) over the iterations.
// Clicking a chip asks main.js to show that iteration.

import { createChartFrame } from "./chart-frame.js";
import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { formatCount, formatScore } from "./format.js";

const CHART = { width: 300, height: 110, margin: { top: 16, right: 10, bottom: 18, left: 36 } };
const SERIES = [
  { key: "trustworthiness", label: "T", className: "series-t" },
  { key: "continuity", label: "C", className: "series-c" },
];
const MODE_NAMES = { initial: "initial", finetune: "fine-tune", scratch: "scratch" };

export function chipText(it) {
  const mode = MODE_NAMES[it.mode] || it.mode;
  return it.n_selected ? `${it.index} ${mode} · ${formatCount(it.n_selected)} pts` : `${it.index} ${mode}`;
}

export function createHistory(root) {
  const emitter = createEmitter();
  const el = d3.select(root);
  const chips = el.select(".history-chips");
  const { svg, x, y, xAxis, yAxis } = createChartFrame(el.select(".history-chart"), CHART);
  const { top, left } = CHART.margin;
  const lines = svg.append("g");
  const key = svg.append("g").attr("class", "chart-key").attr("transform", `translate(${left + 4},${top - 6})`);
  SERIES.forEach((s, i) => {
    const g = key.append("g").attr("transform", `translate(${i * 110},0)`);
    g.append("line").attr("class", `key-line ${s.className}`).attr("x1", 0).attr("x2", 14).attr("y1", -3).attr("y2", -3);
    g.append("text").attr("x", 18).attr("y", 0).text(s.key === "trustworthiness" ? "Trustworthiness" : "Continuity");
  });

  function renderChart(iterations, current) {
    const n = iterations.length;
    const values = iterations.flatMap((it) => SERIES.map((s) => it.metrics?.all?.[s.key])).filter(Number.isFinite);
    // Iteration 0 is listed while it is still measured: an axis without a point says nothing.
    svg.style("display", values.length ? null : "none");
    if (!values.length) return;
    x.domain(n > 1 ? [0, n - 1] : [-0.5, 0.5]);
    const [lo, hi] = values.length ? d3.extent(values) : [0, 1];
    const pad = Math.max(0.01, (hi - lo) * 0.15);
    y.domain([Math.max(0, lo - pad), Math.min(1, hi + pad)]).nice(3);
    xAxis.call(d3.axisBottom(x).ticks(Math.min(n, 8)).tickFormat(d3.format("d")).tickSizeOuter(0));
    xAxis.selectAll(".tick").filter((d) => !Number.isInteger(d)).remove();
    yAxis.call(d3.axisLeft(y).ticks(3, ".2f").tickSizeOuter(0));

    const series = lines.selectAll("g.series").data(SERIES).join("g").attr("class", (s) => `series ${s.className}`);
    series
      .selectAll("path")
      .data((s) => [s])
      .join("path")
      .attr("d", (s) =>
        d3
          .line()
          .defined((it) => Number.isFinite(it.metrics?.all?.[s.key]))
          .x((it) => x(it.index))
          .y((it) => y(it.metrics.all[s.key]))(iterations),
      );
    series
      .selectAll("circle")
      .data((s) => iterations.filter((it) => Number.isFinite(it.metrics?.all?.[s.key])).map((it) => ({ s, it })))
      .join("circle")
      .attr("r", (d) => (d.it.index === current ? 4 : 2.5))
      .attr("cx", (d) => x(d.it.index))
      .attr("cy", (d) => y(d.it.metrics.all[d.s.key]))
      .selectAll("title")
      .data((d) => [d])
      .join("title")
      .text((d) => `Iteration ${d.it.index}: ${d.s.label} = ${formatScore(d.it.metrics.all[d.s.key])}`);
  }

  // The chips' box scrolls (layout.css): keep the chip of the iteration shown in view, without
  // scrollIntoView, which would scroll the side column and the page too.
  function revealCurrent() {
    const box = chips.node();
    const chip = chips.select("button.chip.is-current").node();
    if (!box || !chip) return;
    const outer = box.getBoundingClientRect();
    const inner = chip.getBoundingClientRect();
    if (!outer.height) return; // its tab is hidden
    if (inner.top < outer.top) box.scrollTop -= outer.top - inner.top + 2;
    else if (inner.bottom > outer.bottom) box.scrollTop += inner.bottom - outer.bottom + 2;
  }

  return {
    on: emitter.on,
    /** Its tab was opened: the current chip comes into view (a hidden box cannot scroll). */
    reveal: revealCurrent,

    /** iterations: summaries from GET experiment; current: index shown in plots 2/3. */
    render(iterations, current, { disabled = false } = {}) {
      chips
        .selectAll("button.chip")
        .data(iterations, (it) => it.index)
        .join("button")
        .attr("type", "button")
        .attr("class", "chip")
        .attr("data-iteration", (it) => it.index)
        .attr("aria-pressed", (it) => String(it.index === current))
        .classed("is-current", (it) => it.index === current)
        .property("disabled", disabled)
        .attr("title", describe)
        .text(chipText)
        .on("click", (_, it) => emitter.emit("pick", it.index));
      el.select(".history-empty").remove();
      if (!iterations.length) {
        // Inside the chips' row (a fixed height): the note coming and going moves nothing.
        chips.append("span").attr("class", "note history-empty").text("No iterations yet.");
      }
      renderChart(iterations, current);
      revealCurrent();
    },
  };
}

function describe(it) {
  const parts = [`Iteration ${it.index}`];
  if (it.parent !== null && it.parent !== undefined) parts.push(`from iteration ${it.parent}`);
  if (it.selection?.method) parts.push(`selection: ${it.selection.method}`);
  if (it.epochs) parts.push(`${it.epochs} epochs`);
  const t = it.metrics?.all?.trustworthiness;
  if (Number.isFinite(t)) parts.push(`T = ${formatScore(t)}`);
  return parts.join(" · ");
}
