// Freehand lasso on a plot's SVG overlay: drag to draw a polygon, release to select the
// points inside it. Like the brush it is a one-shot gesture; points are tested in pixel space
// against the polygon, with a bounding-box test first so 10,000 points stay cheap.

import { d3 } from "./d3.js";

const MIN_STEP_PX = 2; // skip pointer moves smaller than this: fewer vertices, same shape

export function createLasso(group, { onEnd }) {
  const overlay = group
    .append("rect")
    .attr("class", "lasso-overlay")
    .attr("fill", "transparent")
    .attr("pointer-events", "all");
  const path = group.append("path").attr("class", "lasso-path");
  let points = null;

  overlay
    .on("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      overlay.node().setPointerCapture?.(event.pointerId);
      points = [d3.pointer(event, group.node())];
      path.attr("d", null);
    })
    .on("pointermove.lasso", (event) => {
      if (!points) return;
      const p = d3.pointer(event, group.node());
      const last = points[points.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) < MIN_STEP_PX) return;
      points.push(p);
      path.attr("d", `M${points.map((q) => q.join(",")).join("L")}Z`);
    })
    .on("pointerup pointercancel", (event) => {
      if (!points) return;
      const polygon = points;
      points = null;
      path.attr("d", null);
      if (event.type === "pointerup" && polygon.length >= 3) onEnd(polygon);
    });

  return {
    resize(width, height) {
      overlay.attr("width", width).attr("height", height);
    },
    enable(on) {
      group.style("display", on ? null : "none");
      points = null;
      path.attr("d", null);
    },
  };
}

/** Ray-casting point-in-polygon test; polygon is [[x, y], ...] (implicitly closed). */
export function polygonContains(polygon, x, y) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** At most maxPoints vertices, evenly thinned, so a lasso fits in a small JSON record. */
export function thinPolygon(polygon, maxPoints = 64) {
  if (polygon.length <= maxPoints) return polygon;
  const step = polygon.length / maxPoints;
  return d3.range(maxPoints).map((i) => polygon[Math.floor(i * step)]);
}
