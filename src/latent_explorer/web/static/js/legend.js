// Class legend shared by the three plots: a swatch, the class name and its count per class.
// Clicking an entry asks for that class to be selected; the page decides how (replace, add,
// subtract), so the legend only reports which class was clicked and with which modifier keys.

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { formatCount } from "./format.js";

export function createLegend(root) {
  const emitter = createEmitter();
  const el = d3.select(root);

  return {
    on: emitter.on,

    /** classes: [{index, name, color, count}] */
    setClasses(classes) {
      el.selectAll("*").remove();
      if (!classes.length) return;
      el.append("span").attr("class", "legend-title").text("Classes");
      el.selectAll("button.legend-item")
        .data(classes, (d) => d.index)
        .join((enter) => {
          const b = enter
            .append("button")
            .attr("type", "button")
            .attr("class", "legend-item")
            .attr("data-class", (d) => d.index)
            .attr("aria-pressed", "false")
            .attr("title", (d) => `Select class “${d.name}” (Shift: add, Alt: subtract)`);
          b.append("span").attr("class", "legend-swatch").style("background-color", (d) => d.color);
          b.append("span").attr("class", "legend-name").text((d) => d.name);
          b.append("span").attr("class", "legend-count").text((d) => formatCount(d.count));
          return b;
        })
        .on("click", (event, d) => {
          emitter.emit("toggle", {
            classIndex: d.index,
            shift: event.shiftKey,
            alt: event.altKey,
          });
        });
    },

    /** fractions[c] = share of class c that is selected (0..1). */
    setSelectedFractions(fractions) {
      el.selectAll("button.legend-item")
        .attr("aria-pressed", (d) => String(fractions[d.index] === 1))
        .classed("is-full", (d) => fractions[d.index] === 1)
        .classed("is-partial", (d) => fractions[d.index] > 0 && fractions[d.index] < 1)
        .classed("is-dimmed", (d) => fractions.some((f) => f > 0) && !(fractions[d.index] > 0));
    },
  };
}
