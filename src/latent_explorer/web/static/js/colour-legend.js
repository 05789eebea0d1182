// The legend under "Colour by": class colours, a numeric scale's bar with its ends (and the
// diverging scale's "typical" mid), or a categorical attribute's swatches, plus notes in plain
// words (what is still being measured, what is grey and why). Text only, so nothing from the
// server is ever read as markup.
//
//   const legend = createColourLegend(element);
//   legend.render({choice, scale, notes: ["..."], title});   legend.fail(message);

import { d3 } from "./d3.js";
import { formatValue } from "./format.js";

const MAX_CATEGORIES_SHOWN = 12;

export function createColourLegend(element) {
  const leg = d3.select(element);

  function note(text) {
    leg.append("span").attr("class", "note").text(text);
  }

  function numeric(scale) {
    const fmt = (v) => formatValue(Number(v.toPrecision(3)));
    leg.append("span").attr("class", "legend-min").attr("data-value", scale.lo).text(`${scale.clippedLo ? "≤ " : ""}${fmt(scale.lo)}`);
    const w = 120;
    const h = 10;
    const svg = leg.append("svg").attr("class", "legend-bar").attr("width", w).attr("height", h).attr("viewBox", `0 0 ${w} ${h}`);
    // A gradient as thin rects: no ids to keep unique across several legends.
    const n = 48;
    svg
      .selectAll("rect")
      .data(d3.range(n))
      .join("rect")
      .attr("x", (i) => (i * w) / n)
      .attr("width", w / n + 0.5)
      .attr("height", h)
      .attr("fill", (i) => scale.ramp((i + 0.5) / n));
    leg.append("span").attr("class", "legend-max").attr("data-value", scale.hi).text(`${scale.clippedHi ? "≥ " : ""}${fmt(scale.hi)}`);
    if (scale.diverging) {
      leg
        .append("span")
        .attr("class", "note legend-mid")
        .attr("data-value", scale.mid)
        .text(`grey = typical (${fmt(scale.mid)}), red = worse`);
    }
  }

  function categorical(scale) {
    const shown = scale.categories.slice(0, MAX_CATEGORIES_SHOWN);
    const items = leg.selectAll("span.legend-cat").data(shown).join("span").attr("class", "legend-cat");
    items.append("span").attr("class", "legend-swatch").style("background-color", (_, i) => scale.colors[i]);
    items.append("span").text((d) => d);
    if (scale.categories.length > shown.length) note(`+${scale.categories.length - shown.length} more`);
  }

  return {
    /** notes: plain sentences after the scale (or alone while nothing is loaded). */
    render({ choice, scale, notes = [], title = null }) {
      leg.selectAll("*").remove();
      leg.attr("data-kind", scale ? scale.kind : choice === "class" ? "class" : "loading");
      leg.attr("title", scale?.kind === "numeric" ? title : null);
      if (choice === "class") {
        note("class colours, as in the Classes row over the plots");
        return;
      }
      const said = notes.filter(Boolean);
      if (!scale) {
        note(said.join("; ") || "loading…");
        return;
      }
      if (scale.kind === "numeric") numeric(scale);
      else categorical(scale);
      for (const text of said) note(text);
    },
    fail(message) {
      leg.selectAll("*").remove();
      leg.attr("data-kind", "error").append("span").attr("class", "note").text(`Could not load: ${message}`);
    },
  };
}
