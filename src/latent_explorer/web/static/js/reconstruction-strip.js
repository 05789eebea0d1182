// The same points, every iteration: a fixed, seeded sample per class (the same ids whatever
// iteration is shown) as a strip with one row per class and one column per iteration of the
// chain (original, 0, 1, ... N), so the forgetting of one digit can be followed by eye.
// Tabular data sets get the counterpart: a heat map of the change of the mean squared
// reconstruction error per class and feature, iteration N against iteration 0.
//
// Input: the GET .../iterations/<k>/strip answer (web/forgetting.py).

import { d3 } from "./d3.js";
import { diverging } from "./colors.js";
import { drawPixels } from "./images.js";

export function createReconstructionStrip(root) {
  const el = d3.select(root).attr("class", "reconstruction-strip").attr("hidden", true);

  function clear() {
    el.selectAll("*").remove();
    root.hidden = true;
    el.attr("data-kind", null).attr("data-rows", 0).attr("data-columns", 0);
  }

  function renderImages(answer) {
    const { iterations, rows, shape } = answer;
    el.append("h2").text("Same digits, every iteration");
    el.append("p")
      .attr("class", "note")
      .text(
        `A fixed sample per class (seeded: the same points whatever iteration is shown), reconstructed by each iteration from 0 to ${iterations[iterations.length - 1]}.`,
      );
    const table = el.append("table").attr("class", "strip-table");
    const head = table.append("thead").append("tr");
    head.append("th").text("class");
    head.append("th").text("original");
    iterations.forEach((k) => head.append("th").attr("data-iteration", k).text(k));
    const body = table.append("tbody");
    for (const row of rows) {
      const tr = body.append("tr").attr("data-class", row.class).attr("class", row.selected ? "is-selected" : "is-rest");
      tr.append("th").attr("scope", "row").text(row.class).attr("title", row.selected ? "in the selection" : "not in the selection");
      const cells = [{ label: "original", images: row.original }, ...row.columns.map((images, i) => ({ label: `iteration ${iterations[i]}`, images }))];
      for (const cell of cells) {
        const td = tr.append("td");
        cell.images.forEach((pixels, j) => {
          const canvas = td
            .append("canvas")
            .attr("class", "strip-image")
            .attr("title", `point ${row.ids[j]}, ${cell.label}`)
            .node();
          drawPixels(canvas, pixels, shape);
        });
      }
    }
    el.attr("data-rows", rows.length).attr("data-columns", iterations.length + 1);
  }

  function renderHeatmap(answer) {
    const { classes, features, relative, iteration } = answer;
    el.append("h2").text("Error change per class and feature");
    el.append("p")
      .attr("class", "note")
      .text(
        `Mean squared reconstruction error of each class on each feature, iteration ${iteration} against iteration 0: red rose, blue fell.`,
      );
    const finite = relative.flat().filter(Number.isFinite);
    const span = Math.max(0.05, d3.max(finite, Math.abs) ?? 0.05);
    // Red (worse) at the low end of `diverging`: map +span to 0 and -span to 1.
    const colour = (v) => (Number.isFinite(v) ? diverging(0.5 - Math.max(-1, Math.min(1, v / span)) / 2) : "#eee");
    const pct = d3.format("+.0%");
    const table = el.append("table").attr("class", "heatmap-table");
    const head = table.append("thead").append("tr");
    head.append("th").text("class");
    features.forEach((f) => head.append("th").attr("class", "feature").attr("title", f).text(f));
    const body = table.append("tbody");
    classes.forEach((name, c) => {
      const tr = body.append("tr").attr("data-class", name).attr("class", answer.selected?.[c] ? "is-selected" : "is-rest");
      tr.append("th").attr("scope", "row").text(name);
      features.forEach((f, j) => {
        const v = relative[c][j];
        tr.append("td")
          .style("background", colour(v))
          .attr("title", `${name} · ${f}: ${Number.isFinite(v) ? pct(v) : "no error at iteration 0"}`)
          .text(Number.isFinite(v) ? pct(v) : "–");
      });
    });
    el.attr("data-rows", classes.length).attr("data-columns", features.length);
  }

  return {
    clear,
    /** answer: the strip answer, or null to hide. A single iteration has nothing to compare. */
    render(answer) {
      clear();
      if (!answer || answer.iterations.length < 2) return;
      root.hidden = false;
      el.attr("data-kind", answer.kind);
      if (answer.kind === "image") renderImages(answer);
      else renderHeatmap(answer);
    },
  };
}
