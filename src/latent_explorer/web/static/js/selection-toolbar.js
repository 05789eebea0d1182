// The selection toolbar shared by all plots: how a new pick combines with the selection
// (replace / add / subtract), which gesture the plots use (pan/zoom, brush, lasso), a seeded
// random pick, Clear, and the always-visible "N selected of M" count.

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { formatCount } from "./format.js";

export function createSelectionToolbar() {
  const emitter = createEmitter();
  const count = d3.select("#selection-count");
  const randomCount = d3.select("#random-count");
  const randomUnit = d3.select("#random-unit");
  const randomSeed = d3.select("#random-seed");

  d3.selectAll("input[name=tool]").on("change", (event) => emitter.emit("tool", event.target.value));
  d3.select("#random-button").on("click", () => {
    emitter.emit("random", {
      amount: Number(randomCount.property("value")),
      unit: randomUnit.property("value"),
      seed: Number(randomSeed.property("value") || 0),
    });
  });
  d3.select("#clear-button").on("click", () => emitter.emit("clear"));

  return {
    on: emitter.on,
    /** replace | add | subtract, as chosen in the toolbar. */
    op: () => d3.select("input[name=sel-op]:checked").property("value"),
    tool: () => d3.select("input[name=tool]:checked").property("value"),
    setCount(selected, total) {
      count
        .attr("data-count", selected)
        .attr("data-total", total)
        .classed("has-selection", selected > 0)
        // The field's label already says "Selected": "1,010 of 10,000" fits its fixed width at
        // every dataset size, where "1,010 selected of 10,000" was cut off; the title says it all.
        .attr("title", total ? `${formatCount(selected)} points selected of ${formatCount(total)}` : null)
        .text(total ? `${formatCount(selected)} of ${formatCount(total)}` : `${formatCount(selected)} selected`);
      d3.select("#clear-button").property("disabled", selected === 0);
    },
    setEnabled(enabled) {
      d3.selectAll("#random-button, #random-count, #random-unit, #random-seed").property("disabled", !enabled);
    },
  };
}
