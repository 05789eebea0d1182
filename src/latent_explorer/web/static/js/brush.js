// Rectangle brush (d3-brush) on a plot's SVG overlay. The rectangle is a one-shot gesture:
// on release it reports its pixel corners and disappears, because the selection itself is
// shown by highlighted points and would go stale after a zoom anyway.

import { d3 } from "./d3.js";

export function createBrush(group, { onEnd }) {
  const brush = d3
    .brush()
    .keyModifiers(false) // leave Alt/Shift/Meta to the page
    .on("end", (event) => {
      // Programmatic moves (our own clearing) have no sourceEvent: ignore them.
      if (!event.sourceEvent || !event.selection) return;
      const [[x0, y0], [x1, y1]] = event.selection;
      group.call(brush.move, null);
      if (x1 - x0 < 2 && y1 - y0 < 2) return; // a click, not a rectangle
      onEnd({ x0, y0, x1, y1 });
    });

  group.call(brush); // builds the overlay, so clearing works before the first resize

  return {
    resize(width, height) {
      brush.extent([
        [0, 0],
        [width, height],
      ]);
      group.call(brush);
    },
    enable(on) {
      group.style("display", on ? null : "none");
      if (!on) group.call(brush.move, null);
    },
  };
}
