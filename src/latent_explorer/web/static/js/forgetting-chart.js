// What the model forgot, class by class: one line per class across the iterations from 0 to
// the shown one (a repeated Submit's chain), selected classes solid and the others dashed,
// with the 95% interval of each class mean as a band. Tabs switch the measure: reconstruction
// error, per-class trustworthiness, per-class neighbourhood hit. Under the chart, the change
// of each class against iteration 0 ("class 6: +55%, not in the selection").
//
// Input: the GET .../iterations/<k>/forgetting answer (core/forgetting.py describes it).

import { createChartFrame } from "./chart-frame.js";
import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { formatError, formatScore } from "./format.js";

// Sized for the side column (about 300 px wide): the SVG scales to its width.
const CHART = { width: 320, height: 230, margin: { top: 14, right: 10, bottom: 24, left: 46 } };

export const TABS = [
  { key: "reconstruction_error", label: "Reconstruction error", format: formatError },
  { key: "trustworthiness", label: "T per class", format: formatScore },
  { key: "neighborhood_hit", label: "NH per class", format: formatScore },
];

const NOTES = {
  reconstruction_error:
    "Mean reconstruction error of each class's points; the band is the 95% interval of the mean.",
  trustworthiness:
    "Per-class T: the mean of the per-point trustworthiness T(7) of the class's points, measured in the projection of all points.",
  neighborhood_hit:
    "Per-class NH: the mean of the per-point neighbourhood hit NH(3) of the class's points, measured in the projection of all points.",
};

/** Solid for a class whose points were (mostly) trained on, dashed for the others. */
export const isSolid = (cls) => (cls.share_selected ?? 0) >= 0.5;

export function createForgettingChart(root, { colors = () => d3.schemeTableau10 } = {}) {
  const emitter = createEmitter();
  const el = d3.select(root).attr("class", "forgetting-panel").attr("hidden", true);
  el.append("h2").text("Forgetting, class by class");
  const tabs = el.append("div").attr("class", "forgetting-tabs").attr("role", "tablist");
  const chartBox = el.append("div").attr("class", "forgetting-chart-box");
  const frame = createChartFrame(chartBox.append("svg").attr("class", "forgetting-chart"), CHART);
  const { svg, x, y, xAxis, yAxis } = frame;
  const bands = svg.append("g").attr("class", "forgetting-bands");
  const lines = svg.append("g").attr("class", "forgetting-lines");
  const keyBox = chartBox.append("ul").attr("class", "forgetting-key");
  const note = el.append("p").attr("class", "note forgetting-note");
  const caption = svg
    .append("text")
    .attr("class", "chart-caption")
    .attr("x", CHART.margin.left + 4)
    .attr("y", CHART.margin.top + 8);

  let tab = TABS[0].key;
  let report = null;
  let highlighted = null;

  tabs
    .selectAll("button")
    .data(TABS)
    .join("button")
    .attr("type", "button")
    .attr("role", "tab")
    .attr("class", "button small forgetting-tab")
    .attr("data-tab", (t) => t.key)
    .text((t) => t.label)
    .on("click", (_, t) => {
      tab = t.key;
      draw();
    });

  function seriesOf(cls) {
    return (cls[tab] || []).map((stat, i) => ({ k: report.iterations[i], stat })).filter((d) => d.stat);
  }

  function draw() {
    tabs.selectAll("button").attr("aria-selected", (t) => String(t.key === tab));
    el.attr("data-tab", tab);
    if (!report) return;
    const spec = TABS.find((t) => t.key === tab);
    const palette = colors(report.classes.length);
    const ks = report.iterations;
    const data = report.classes.map((cls) => ({ cls, points: seriesOf(cls), color: palette[cls.index % palette.length] }));
    const values = data.flatMap((d) => d.points.flatMap((p) => [p.stat.lo, p.stat.hi]));
    const drawn = data.filter((d) => d.points.length);
    el.attr("data-lines", drawn.length).attr("data-iterations", ks.length);
    note.text(
      drawn.length
        ? NOTES[tab]
        : `${NOTES[tab]} Not measured yet: the values appear once the iteration's quality is measured.`,
    );
    x.domain(ks.length > 1 ? [0, ks.length - 1] : [-0.5, 0.5]);
    const [lo, hi] = values.length ? d3.extent(values) : [0, 1];
    const pad = Math.max((hi - lo) * 0.08, Math.abs(hi) * 1e-3, 1e-9);
    y.domain([lo - pad, hi + pad]).nice(4);
    // Positions along the chain, labelled with iteration numbers (a chain may skip some).
    xAxis.call(
      d3
        .axisBottom(x)
        .tickValues(d3.range(ks.length).filter((i) => ks.length <= 12 || i % Math.ceil(ks.length / 12) === 0))
        .tickFormat((i) => ks[i])
        .tickSizeOuter(0),
    );
    yAxis.call(d3.axisLeft(y).ticks(4, tab === "reconstruction_error" ? "~g" : ".2f").tickSizeOuter(0));
    caption.text(`${spec.label} · iteration`);
    const pos = (k) => x(ks.indexOf(k));

    bands
      .selectAll("path")
      .data(drawn, (d) => d.cls.index)
      .join("path")
      .attr("fill", (d) => d.color)
      .attr("data-class", (d) => d.cls.name)
      .attr("class", (d) => classState(d.cls))
      .attr(
        "d",
        (d) =>
          d3
            .area()
            .x((p) => pos(p.k))
            .y0((p) => y(p.stat.lo))
            .y1((p) => y(p.stat.hi))(d.points),
      );
    const groups = lines
      .selectAll("g.forgetting-line")
      .data(drawn, (d) => d.cls.index)
      .join("g")
      .attr("class", (d) => `forgetting-line ${classState(d.cls)}`)
      .attr("data-class", (d) => d.cls.name)
      .attr("data-role", (d) => d.cls.role)
      .attr("data-solid", (d) => String(isSolid(d.cls)));
    groups
      .selectAll("path")
      .data((d) => [d])
      .join("path")
      .attr("stroke", (d) => d.color)
      .attr("stroke-dasharray", (d) => (isSolid(d.cls) ? null : "5 3"))
      .attr(
        "d",
        (d) =>
          d3
            .line()
            .x((p) => pos(p.k))
            .y((p) => y(p.stat.mean))(d.points),
      );
    groups
      .selectAll("circle")
      .data((d) => d.points.map((p) => ({ ...p, d })))
      .join("circle")
      .attr("r", 2.5)
      .attr("fill", (p) => p.d.color)
      .attr("cx", (p) => pos(p.k))
      .attr("cy", (p) => y(p.stat.mean))
      .selectAll("title")
      .data((p) => [p])
      .join("title")
      .text(
        (p) =>
          `Class ${p.d.cls.name}, iteration ${p.k}: ${spec.format(p.stat.mean)} ` +
          `(95% interval ${spec.format(p.stat.lo)} to ${spec.format(p.stat.hi)}, ${p.stat.n} points)`,
      );

    const items = keyBox
      .selectAll("li")
      .data(data, (d) => d.cls.index)
      .join((enter) => {
        const li = enter.append("li");
        li.append("svg").attr("width", 22).attr("height", 8).append("line").attr("x1", 1).attr("x2", 21).attr("y1", 4).attr("y2", 4);
        li.append("span");
        return li;
      })
      .attr("class", (d) => classState(d.cls))
      .attr("data-class", (d) => d.cls.name)
      .on("mouseenter", (_, d) => highlight(d.cls.name))
      .on("mouseleave", () => highlight(null))
      .on("click", (_, d) => emitter.emit("class", d.cls.index));
    items
      .select("line")
      .attr("stroke", (d) => d.color)
      .attr("stroke-dasharray", (d) => (isSolid(d.cls) ? null : "5 3"));
    items.select("span").text((d) => d.cls.name);
  }

  function classState(cls) {
    const role = isSolid(cls) ? "is-selected" : "is-rest";
    if (highlighted === null) return role;
    return `${role} ${cls.name === highlighted ? "is-highlighted" : "is-dimmed"}`;
  }

  function highlight(name) {
    highlighted = name;
    draw();
  }

  return {
    on: emitter.on,
    node: () => root,

    /** report: the forgetting answer, or null to hide the panel. */
    render(answer) {
      report = answer?.classes?.length && answer.iterations?.length > 1 ? answer : null;
      root.hidden = !report;
      if (report) draw();
    },

    /** Show one measure: "reconstruction_error", "trustworthiness" or "neighborhood_hit". */
    setTab(key) {
      if (TABS.some((t) => t.key === key)) tab = key;
      draw();
    },
  };
}

/**
 * The metrics table's change rows: one per class, "class 6: +55%, not in the selection",
 * worst first, marked when the change exceeds the 95% intervals. Rendered into `container`
 * (the metrics panel) after its own tables.
 */
export function renderChangeRows(container, answer) {
  const el = d3.select(container);
  el.select(".class-change").remove();
  if (!answer || answer.iterations?.length < 2) return;
  const rows = answer.classes.filter((c) => c.change?.relative !== null && c.change?.relative !== undefined);
  if (!rows.length) return;
  rows.sort((a, b) => b.change.relative - a.change.relative);
  const box = el.append("div").attr("class", "class-change");
  box
    .append("h3")
    .text(`Reconstruction error per class, iteration ${answer.iteration} against iteration 0`)
    .attr("title", answer.interval);
  box
    .append("ul")
    .selectAll("li")
    .data(rows)
    .join("li")
    .attr("data-class", (c) => c.name)
    .attr("class", (c) => `${c.change.relative > 0 ? "worse" : "better"}${c.change.exceeds_interval ? " beyond-interval" : ""}`)
    .attr("title", (c) =>
      c.change.exceeds_interval
        ? "The 95% intervals of the two means do not overlap"
        : "Within the 95% intervals: the change may be noise",
    )
    .text((c) => c.change.text + (c.change.exceeds_interval ? "" : " (within the 95% intervals)"));
}
