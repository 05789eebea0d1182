// Hovering a point in any plot rings it in all three and shows a tooltip: its class and id at
// once, then its feature values or image, fetched once per point and kept for the experiment.

import { api } from "./api.js";
import { classColors } from "./colors.js";

// Sweeping across a dense cloud passes hundreds of points: ask only where the pointer rests.
const TOOLTIP_DELAY_MS = 120;

export function createPointTooltip({ state, session, plots, tooltip }) {
  const cache = new Map(); // id -> tooltip record of the current experiment
  let hovered = null; // id under the pointer in any plot
  let pointer = [0, 0]; // its last client position, to place a tooltip that finished loading

  function basics(id) {
    const ds = state.get().experiment?.dataset;
    const c = session.labels ? session.labels[id] : -1;
    return {
      id,
      className: ds?.class_names?.[c] ?? `class ${c}`,
      color: classColors(ds?.class_names?.length || 1)[c] || "#888",
    };
  }

  async function show(id, clientX, clientY) {
    const cached = cache.get(id);
    if (cached) return tooltip.show({ ...basics(id), ...cached }, clientX, clientY);
    tooltip.show({ ...basics(id), loading: true }, clientX, clientY);
    const mine = session.token;
    await new Promise((resolve) => setTimeout(resolve, TOOLTIP_DELAY_MS));
    if (hovered !== id || !session.isCurrent(mine)) return;
    try {
      const answer = await api.points(state.get().experimentId, [id]);
      if (!session.isCurrent(mine)) return;
      const record = toRecord(answer);
      cache.set(id, record);
      // Only redraw if the pointer is still on this point.
      if (hovered === id) tooltip.show({ ...basics(id), ...record }, ...pointer);
    } catch {
      if (session.isCurrent(mine)) tooltip.hide();
    }
  }

  for (const plot of Object.values(plots)) {
    plot.on("hover", ({ id, clientX, clientY }) => {
      hovered = id;
      if (clientX !== undefined) pointer = [clientX, clientY];
      for (const other of Object.values(plots)) other.setHover(id);
      if (id === null) tooltip.hide();
      else show(id, clientX, clientY);
    });
  }
  session.on("reset", () => {
    cache.clear();
    tooltip.hide();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) tooltip.hide();
  });
}

/** The /points answer for one id as the tooltip's fields. */
function toRecord(answer) {
  const record = {};
  if (answer.pixels) {
    record.pixels = answer.pixels[0];
    record.shape = answer.shape;
  }
  if (answer.values) {
    record.features = answer.feature_names.map((name, j) => [name, answer.values[0][j]]);
  }
  if (answer.attributes) {
    record.attributes = Object.entries(answer.attributes).map(([name, values]) => [name, values[0]]);
  }
  return record;
}
