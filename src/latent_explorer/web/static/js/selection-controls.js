// Everything that changes the shared selection: legend clicks (by class), the random picker,
// Clear and Escape, and the brush / lasso / click gestures of the three plots. The selection
// is then drawn back into the plots, the legend (share selected per class) and the counter.

import { d3 } from "./d3.js";
import { classColors } from "./colors.js";
import { sample } from "./random.js";

export function createSelectionControls({ state, session, selection, plots, legend, toolbar, errors }) {
  const className = (c) => state.get().experiment?.dataset?.class_names?.[c];

  function classFractions() {
    const names = state.get().experiment?.dataset?.class_names || [];
    if (!session.labels) return [];
    return names.map((_, c) => {
      const ids = session.classIds(c);
      if (!ids.length || !selection.size) return 0;
      let n = 0;
      for (const id of ids) if (selection.has(id)) n++;
      return n / ids.length;
    });
  }

  selection.on("change", () => {
    for (const plot of Object.values(plots)) plot.setSelection(selection.set);
    toolbar.setCount(selection.size, session.nPoints());
    legend.setSelectedFractions(classFractions());
  });

  // The legend lists the classes with their counts once the points' labels are known.
  session.on("labels", ({ labels, dataset }) => {
    const colors = classColors(dataset.class_names.length);
    const counts = new Array(dataset.class_names.length).fill(0);
    for (const c of labels) if (c >= 0 && c < counts.length) counts[c]++;
    legend.setClasses(
      dataset.class_names.map((name, index) => ({ index, name, color: colors[index], count: counts[index] })),
    );
    legend.setSelectedFractions(classFractions());
    toolbar.setCount(selection.size, labels.length);
  });
  session.on("reset", () => {
    legend.setClasses([]);
    toolbar.setCount(0, 0);
  });

  legend.on("toggle", ({ classIndex, shift, alt }) => {
    if (!session.labels) return;
    const ids = session.classIds(classIndex);
    const record = { method: "class", params: { classes: [classIndex], class_names: [className(classIndex)] } };
    let op = alt ? "subtract" : shift ? "add" : toolbar.op();
    const full = ids.length > 0 && ids.every((id) => selection.has(id));
    // A second click on a fully selected class takes it out again (a toggle).
    if (full && op === "replace" && selection.size === ids.length) {
      selection.clear("legend");
      return;
    }
    if (full && op === "add") op = "subtract";
    selection.apply(op, ids, record, "legend");
  });

  toolbar.on("random", ({ amount, unit, seed }) => {
    const n = session.nPoints();
    if (!n) return errors.show("Train a model first: random picks are drawn from its points");
    const count = unit === "percent" ? Math.max(1, Math.round((amount / 100) * n)) : Math.round(amount);
    if (!Number.isFinite(amount) || amount <= 0 || count < 1 || count > n) {
      const limit = unit === "percent" ? "between 0 and 100 %" : `between 1 and ${n}`;
      return errors.show(`Random count (${amount}) must be ${limit}`);
    }
    if (!Number.isInteger(seed) || seed < 0) return errors.show(`Random seed (${seed}) must be a whole number ≥ 0`);
    const params = { count, seed };
    if (unit === "percent") params.fraction = amount / 100;
    selection.apply(toolbar.op(), sample(d3.range(n), count, seed), { method: "random", params }, "random");
  });

  toolbar.on("clear", () => selection.clear("clear"));
  toolbar.on("tool", (tool) => {
    for (const plot of Object.values(plots)) plot.setMode(tool);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) selection.clear("escape");
  });

  for (const [name, plot] of Object.entries(plots)) {
    plot.on("select", ({ ids, method, params }) => selection.apply(toolbar.op(), ids, { method, params }, name));
    // A brush being dragged previews its result in every plot; ids null: it selected nothing.
    plot.on("preview", ({ ids }) => (ids ? selection.preview(toolbar.op(), ids, name) : selection.endPreview(name)));
    plot.on("pointclick", ({ id }) => {
      // A click toggles one point, so an idle click never wipes a careful selection.
      const op = selection.has(id) ? "subtract" : "add";
      selection.apply(op, [id], { method: "manual", params: { ids: [id] } }, name);
    });
  }
}
