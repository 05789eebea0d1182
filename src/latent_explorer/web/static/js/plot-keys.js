// The brush by keyboard, for a plot that has focus (its SVG is a Tab stop): with the Brush or
// the Lasso tool, Enter or Space puts a rectangle over the middle of the view, arrows move it,
// Shift+arrows resize it (key-rect.js), Enter selects what it covers with the toolbar's mode
// exactly as a mouse brush would (the same callbacks: preview while it moves, select at the end,
// so Undo takes it back), Escape cancels. The Lasso uses the same rectangle: a polygon drawn
// vertex by vertex would be slow by keyboard and no more honest.
//
// A short hint under the plot says which keys do what while the plot has focus (its text is
// also the SVG's description); a polite live region tells screen readers how many points the
// rectangle covers.

import { rectAfterKey, startRect } from "./key-rect.js";

const HINTS = {
  pan: "Keys: choose Brush or Lasso in the toolbar to select points here by keyboard.",
  brush: "Keys: Enter starts a rectangle; arrows move it, Shift+arrows size it; Enter selects, Esc cancels.",
  lasso: "Keys: the Lasso uses a rectangle. Enter starts it; arrows move, Shift+arrows size; Enter selects, Esc cancels.",
};

let counter = 0;

/**
 * svg: the plot's focusable SVG; layer: an SVG group for the rectangle (in plot-area pixels);
 * body: the element the hint and the live region go in; size(): {width, height} of the plot
 * area; count(rect): points in a pixel rectangle; onMove / onCancel / onEnd: the mouse brush's.
 * The plot names the SVG (aria-label, its title).
 */
export function createPlotKeys({ svg, layer, body, size, count, onMove, onCancel, onEnd }) {
  const id = `plot-keys-${++counter}`;
  let mode = "pan";
  let rect = null; // the rectangle being placed, or null

  const hint = body.append("p").attr("class", "plot-keys").attr("id", id).text(HINTS.pan);
  const live = body.append("p").attr("class", "visually-hidden plot-live").attr("aria-live", "polite");
  svg
    .attr("tabindex", 0)
    .attr("role", "application")
    .attr("aria-roledescription", "scatterplot")
    .attr("aria-describedby", id);
  // Drawn with d3-brush's own attributes, so it looks like the mouse's rectangle (plots.css).
  const shape = layer
    .append("rect")
    .attr("class", "selection")
    .attr("fill-opacity", 0.3)
    .attr("shape-rendering", "crispEdges")
    .style("display", "none");

  const say = (text) => live.text(text);
  const points = (n) => `${n} point${n === 1 ? "" : "s"}`;

  function draw() {
    // Marks the plot while a rectangle is placed: Esc then cancels it, and does not also shrink
    // an enlarged plot (plot-enlarge.js).
    svg.attr("data-placing", rect ? "" : null);
    if (!rect) return shape.style("display", "none");
    shape
      .style("display", null)
      .attr("x", rect.x0)
      .attr("y", rect.y0)
      .attr("width", rect.x1 - rect.x0)
      .attr("height", rect.y1 - rect.y0);
  }

  function place(next) {
    rect = next;
    draw();
    onMove(rect);
    say(`${points(count(rect))} in the rectangle`);
  }

  function cancel(announce = true) {
    if (!rect) return;
    rect = null;
    draw();
    onCancel();
    if (announce) say("Rectangle cancelled");
  }

  svg.on("keydown.keys", (event) => {
    if (mode === "pan" || event.altKey || event.ctrlKey || event.metaKey) return;
    const { width, height } = size();
    if (!width || !height) return;
    const key = event.key;
    if (!rect && (key === "Enter" || key === " ")) {
      event.preventDefault();
      place(startRect(width, height));
    } else if (rect && key === "Enter") {
      event.preventDefault();
      const done = rect;
      const n = count(done);
      rect = null;
      draw();
      onEnd(done);
      say(`${points(n)} from the rectangle applied to the selection`);
    } else if (rect && key === "Escape") {
      // Handled here: Esc must not also clear the whole selection (selection-controls.js).
      event.preventDefault();
      cancel();
    } else if (rect && key === " ") {
      event.preventDefault(); // Space starts a rectangle; while placing, it must not scroll
    } else if (rect) {
      const next = rectAfterKey(rect, key, event.shiftKey, width, height);
      if (!next) return;
      event.preventDefault(); // arrows would scroll the page
      place(next);
    }
  });
  svg.on("blur.keys", () => cancel(false));
  // A mouse gesture takes over from a rectangle being placed by keys.
  svg.on("pointerdown.keys", () => cancel(false));

  return {
    setMode(next) {
      cancel(false);
      mode = next;
      hint.text(HINTS[mode] || HINTS.pan);
    },
    /** New data or a new size: the rectangle's pixels mean something else now. */
    reset: () => cancel(false),
    /** The rectangle being placed (pixels), for tests. */
    rect: () => rect && { ...rect },
  };
}
