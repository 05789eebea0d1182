// Rectangle brush (d3-brush) on a plot's SVG overlay. The rectangle is a one-shot gesture:
// on release it reports its pixel corners and disappears, because the selection itself is
// shown by highlighted points and would go stale after a zoom anyway. While it is dragged,
// onMove reports every change (for a live preview); onCancel says the gesture selected nothing.

import { d3 } from "./d3.js";

export function createBrush(group, { onMove, onEnd, onCancel }) {
  let active = false; // a drag of ours is under way (onMove was called)
  const corners = ([[x0, y0], [x1, y1]]) => ({ x0, y0, x1, y1 });
  const brush = d3
    .brush()
    .keyModifiers(false) // leave Alt/Shift/Meta to the page
    .on("brush", (event) => {
      // Programmatic moves (our own clearing) have no sourceEvent: ignore them.
      if (!event.sourceEvent || !event.selection) return;
      active = true;
      onMove?.(corners(event.selection));
    })
    .on("end", (event) => {
      if (!event.sourceEvent) return;
      const wasActive = active;
      active = false;
      const rect = event.selection && corners(event.selection);
      if (rect) group.call(brush.move, null);
      // No rectangle, or a click rather than a rectangle.
      if (!rect || (rect.x1 - rect.x0 < 2 && rect.y1 - rect.y0 < 2)) {
        if (wasActive) onCancel?.();
        return;
      }
      onEnd(rect);
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
      if (!on && active) {
        active = false;
        onCancel?.();
      }
    },
  };
}
