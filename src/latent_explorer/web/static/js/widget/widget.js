// The notebook widget's front end: an anywidget module (src/latent_explorer/widget.py is the
// Python side). tools/build_widget.mjs bundles it with the page's own modules into
// static/widget/widget.js, because anywidget loads one module from a blob URL, where relative
// imports cannot resolve.
//
// It draws the current iteration's latent space with the page's scatterplot (canvas points,
// d3 brush, quadtree hit-testing) in the page's class colours, with the page's legend. No port
// and no server: everything travels through the widget's model (the kernel's comm):
//   coords          bytes, little-endian float32: every x, then every y (like ?format=f32)
//   labels          bytes, little-endian int32 class index per point
//   class_names     [str], shown as text only (legend.js uses textContent)
//   iteration       the iteration drawn (-1: none yet)
//   selected_ids    sorted point ids: the explorer's one selection, set from either side
//   selection_params how the widget's selection was made ({method, x, y, iteration, ...})
//   busy, status    training in the kernel, and a sentence about it
// A Submit sends {type: "submit", mode, epochs}; the kernel retrains and sends the new
// coordinates.

import { classColors } from "../colors.js";
import { formatCount } from "../format.js";
import { createLegend } from "../legend.js";
import { createScatterplot } from "../scatterplot.js";

/** A copy of a binary trait's bytes as an ArrayBuffer (DataView, typed array or buffer). */
export function bufferOf(value) {
  if (!value) return new ArrayBuffer(0);
  if (value instanceof ArrayBuffer) return value.slice(0);
  // A view may start at any byte offset: copy, so that the float and int views are aligned.
  return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
}

/** {x, y} Float32Array columns from the coords bytes (every x, then every y). */
export function coordinateColumns(value) {
  const all = new Float32Array(bufferOf(value));
  const n = all.length >> 1;
  return { x: all.subarray(0, n), y: all.subarray(n, 2 * n) };
}

function element(parent, tag, { className, text, attrs } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  parent.appendChild(node);
  return node;
}

// anywidget calls render before the output area puts `el` in the document, and d3's zoom and
// brush read the SVG's size when they are set up, which a detached SVG cannot tell: build the
// widget once `el` is connected (a frame or two later).
function render({ model, el }) {
  let cleanup = null;
  let frame = 0;
  const start = () => {
    if (el.isConnected) cleanup = build(model, el);
    else frame = requestAnimationFrame(start);
  };
  start();
  return () => {
    cancelAnimationFrame(frame);
    cleanup?.();
  };
}

function build(model, el) {
  const root = element(el, "div", { className: "latent-widget" });
  const bar = element(root, "div", { className: "widget-bar" });
  const brushButton = element(bar, "button", {
    className: "button small toggle",
    text: "Brush",
    attrs: { type: "button", title: "Drag a rectangle to select points" },
  });
  const panButton = element(bar, "button", {
    className: "button small toggle",
    text: "Pan and zoom",
    attrs: { type: "button", title: "Drag to pan, scroll to zoom" },
  });
  const clearButton = element(bar, "button", {
    className: "button small",
    text: "Clear selection",
    attrs: { type: "button" },
  });
  const count = element(bar, "span", { className: "widget-count", attrs: { "aria-live": "polite" } });
  const modeSelect = element(bar, "select", { attrs: { "aria-label": "How to train on the selection" } });
  for (const [value, text] of [
    ["finetune", "Fine-tune"],
    ["scratch", "From scratch"],
  ]) {
    element(modeSelect, "option", { text, attrs: { value } });
  }
  const epochsInput = element(bar, "input", {
    className: "widget-epochs",
    attrs: {
      type: "number",
      min: "1",
      step: "1",
      placeholder: "epochs",
      "aria-label": "Epochs (empty: the default)",
      title: "Epochs to train on the selection (empty: the default)",
    },
  });
  const submitButton = element(bar, "button", {
    className: "button small primary widget-submit",
    text: "Submit",
    attrs: { type: "button", title: "Train on the selected points (in the kernel)" },
  });
  const status = element(root, "p", { className: "widget-status", attrs: { role: "status" } });
  const legendEl = element(root, "div", { className: "legend" });
  const plotEl = element(root, "section", { className: "plot" });
  const tip = element(root, "div", { className: "widget-tip", attrs: { hidden: "" } });

  const legend = createLegend(legendEl);
  const plot = createScatterplot(plotEl, {
    name: "widget",
    emptyText: "Nothing to show yet: run ex.train() in the notebook.",
  });

  let labels = new Int32Array(0);
  let selected = new Set();

  function setMode(mode) {
    plot.setMode(mode);
    brushButton.setAttribute("aria-pressed", String(mode === "brush"));
    panButton.setAttribute("aria-pressed", String(mode === "pan"));
  }
  brushButton.addEventListener("click", () => setMode("brush"));
  panButton.addEventListener("click", () => setMode("pan"));

  function refreshControls() {
    const busy = Boolean(model.get("busy"));
    const hasData = model.get("iteration") >= 0;
    count.textContent = `${formatCount(selected.size)} selected`;
    submitButton.disabled = busy || !hasData || selected.size === 0;
    clearButton.disabled = busy || selected.size === 0;
    status.textContent = model.get("status") || "";
    root.dataset.busy = String(busy);
    root.dataset.selected = String(selected.size);
  }

  function showSelection() {
    selected = new Set(model.get("selected_ids") || []);
    plot.setSelection(selected);
    const names = model.get("class_names") || [];
    const inClass = new Array(names.length).fill(0);
    const ofClass = new Array(names.length).fill(0);
    labels.forEach((c, id) => {
      if (c < 0 || c >= names.length) return;
      ofClass[c] += 1;
      if (selected.has(id)) inClass[c] += 1;
    });
    legend.setSelectedFractions(inClass.map((k, c) => (ofClass[c] ? k / ofClass[c] : 0)));
    refreshControls();
  }

  function showData() {
    const names = model.get("class_names") || [];
    const colors = classColors(names.length);
    const iteration = model.get("iteration");
    labels = new Int32Array(bufferOf(model.get("labels")));
    const counts = new Array(names.length).fill(0);
    for (const c of labels) if (c >= 0 && c < names.length) counts[c] += 1;
    legend.setClasses(names.map((name, index) => ({ index, name, color: colors[index], count: counts[index] })));
    plot.setColors(colors);
    if (iteration < 0) {
      plot.setData(null);
    } else {
      const { x, y } = coordinateColumns(model.get("coords"));
      plot.setData({ x, y, labels, iteration });
      plot.setTitle(`Latent space, iteration ${iteration}`);
    }
    root.dataset.iteration = String(iteration);
    showSelection();
  }

  // The kernel changes coords, labels and iteration together: redraw once for all of them.
  let pending = false;
  const dataChanged = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      showData();
    });
  };

  function choose(ids, params) {
    const sorted = Array.from(new Set(ids)).sort((a, b) => a - b);
    model.set("selection_params", params);
    model.set("selected_ids", sorted);
    model.save_changes();
    showSelection();
  }

  plot.on("select", ({ ids, method, params }) => choose(ids, { method, ...params }));
  plot.on("preview", ({ ids }) => plot.setSelection(ids ? new Set(ids) : selected));
  plot.on("draw", (stats) => {
    root.dataset.pointsDrawn = String(stats.pointsDrawn ?? 0);
  });
  plot.on("hover", ({ id, clientX, clientY }) => {
    if (id === null || id === undefined) {
      tip.hidden = true;
      return;
    }
    const names = model.get("class_names") || [];
    tip.textContent = `Point ${id}: ${names[labels[id]] ?? "unknown class"}`;
    const box = root.getBoundingClientRect();
    tip.style.left = `${clientX - box.left + 12}px`;
    tip.style.top = `${clientY - box.top + 12}px`;
    tip.hidden = false;
  });
  // A legend click selects the class; Shift adds it, Alt takes it away (as on the page).
  legend.on("toggle", ({ classIndex, shift, alt }) => {
    const next = shift || alt ? new Set(selected) : new Set();
    labels.forEach((c, id) => {
      if (c !== classIndex) return;
      if (alt) next.delete(id);
      else next.add(id);
    });
    const names = model.get("class_names") || [];
    choose(Array.from(next), { method: "class", classes: [names[classIndex]] });
  });
  clearButton.addEventListener("click", () => choose([], {}));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected.size) choose([], {});
  });
  submitButton.addEventListener("click", () => {
    submitButton.disabled = true; // until the kernel answers with busy / new data
    const epochs = Number.parseInt(epochsInput.value, 10);
    model.send({ type: "submit", mode: modeSelect.value, epochs: epochs > 0 ? epochs : null });
  });

  const traits = ["coords", "labels", "class_names", "iteration"];
  for (const name of traits) model.on(`change:${name}`, dataChanged);
  model.on("change:selected_ids", showSelection);
  model.on("change:busy", refreshControls);
  model.on("change:status", refreshControls);

  setMode("brush");
  showData();
  return () => {
    for (const name of traits) model.off(`change:${name}`, dataChanged);
    model.off("change:selected_ids", showSelection);
    model.off("change:busy", refreshControls);
    model.off("change:status", refreshControls);
  };
}

export default { render };
