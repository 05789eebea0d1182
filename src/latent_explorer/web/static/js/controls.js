// The training controls in the header: dataset and model pickers, the "Training settings"
// fields (built from the parameter list the server publishes, prefilled with its defaults for
// the chosen dataset and model) and the Train button.

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { formatCount } from "./format.js";

// Availability values for which the server can load the data without a download.
const USABLE = new Set(["embedded", "cached"]);

const LABELS = {
  epochs: "Epochs",
  patience: "Patience",
  lr: "Learning rate",
  batch_size: "Batch size",
  hidden: "Hidden layers",
  beta: "Beta (KL weight)",
  seed: "Seed",
};

export function isUsable(dataset) {
  return USABLE.has(dataset.availability);
}

export function createTrainControls() {
  const emitter = createEmitter();
  const form = d3.select("#train-form");
  const datasetSelect = d3.select("#dataset-select");
  const modelSelect = d3.select("#model-select");
  const fields = d3.select("#train-settings-fields");
  const note = d3.select("#dataset-note");
  const unavailable = d3.select("#unavailable-datasets");
  const trainButton = d3.select("#train-button");
  let datasets = [];
  let parameters = [];

  datasetSelect.on("change", () => {
    showNote();
    emitter.emit("dataset", datasetSelect.property("value"));
  });
  modelSelect.on("change", () => emitter.emit("model", modelSelect.property("value")));
  // The settings open as a drop-down: a click elsewhere closes them, as a menu would.
  document.addEventListener("click", (event) => {
    const details = document.getElementById("train-settings");
    if (details.open && !details.contains(event.target)) details.open = false;
  });
  form.on("submit", (event) => {
    event.preventDefault();
    emitter.emit("train");
  });

  function byName(name) {
    return datasets.find((d) => d.name === name);
  }

  function showNote() {
    const d = byName(datasetSelect.property("value"));
    note.selectAll("*").remove();
    if (!d) return;
    const kind = d.kind === "image" ? "images" : "table";
    note
      .append("span")
      .attr("class", "note-facts")
      .text(`${formatCount(d.n_samples)} points · ${formatCount(d.n_features)} features · ${d.n_classes} classes · ${kind}. `);
    note.append("span").attr("class", "note-description").text(d.description || "");
    if (!isUsable(d)) {
      note.append("span").attr("class", "note-warning").text(` Not available here: ${d.how_to_get}`);
    }
    note.attr("title", d.description || "");
  }

  return {
    on: emitter.on,
    trainButton: trainButton.node(),

    setDatasets(list, selected) {
      datasets = list;
      datasetSelect
        .selectAll("option")
        .data(list, (d) => d.name)
        .join("option")
        .attr("value", (d) => d.name)
        .property("disabled", (d) => !isUsable(d))
        .attr("title", (d) => (isUsable(d) ? d.description : `Unavailable: ${d.how_to_get}`))
        .text((d) => `${d.title || d.name} (${formatCount(d.n_samples)})${isUsable(d) ? "" : " – unavailable"}`);
      const missing = list.filter((d) => !isUsable(d));
      unavailable.property("hidden", missing.length === 0);
      unavailable.select("summary").text(`${missing.length} unavailable dataset${missing.length === 1 ? "" : "s"}: how to get them`);
      const items = unavailable
        .select("ul")
        .selectAll("li")
        .data(missing, (d) => d.name)
        .join("li");
      items.selectAll("*").remove();
      items.append("strong").text((d) => `${d.title || d.name}: `);
      items.append("span").text((d) => d.how_to_get || "");
      if (selected) datasetSelect.property("value", selected);
      showNote();
    },

    setDataset(name) {
      datasetSelect.property("value", name);
      showNote();
    },
    dataset: () => datasetSelect.property("value"),
    setModel(kind) {
      modelSelect.property("value", kind);
    },
    model: () => modelSelect.property("value"),

    /** Build the settings fields from GET /api/models and fill in defaults[model]. */
    setParameters(info, model, overrides = null) {
      parameters = info?.parameters || [];
      const defaults = { ...(info?.defaults?.[model] || {}), ...(overrides || {}) };
      const row = fields
        .selectAll("label.setting")
        .data(parameters, (p) => p.name)
        .join((enter) => {
          const l = enter.append("label").attr("class", "setting field");
          l.append("span").attr("class", "field-label");
          l.append("input");
          return l;
        })
        .attr("data-param", (p) => p.name)
        .property("hidden", (p) => Array.isArray(p.models) && !p.models.includes(model));
      row.select(".field-label").text((p) => LABELS[p.name] || p.name);
      row
        .select("input")
        .attr("id", (p) => `param-${p.name}`)
        .attr("name", (p) => p.name)
        .attr("type", (p) => (p.type === "int_list" ? "text" : "number"))
        .attr("inputmode", (p) => (p.type === "float" ? "decimal" : "numeric"))
        .attr("step", (p) => (p.type === "int" ? 1 : "any"))
        .attr("min", (p) => (p.type === "int_list" ? null : p.min))
        .attr("max", (p) => (p.type === "int_list" ? null : p.max))
        .attr("title", (p) => p.help || "")
        .property("value", (p) => {
          const v = defaults[p.name];
          if (v === undefined || v === null) return "";
          return Array.isArray(v) ? v.join(",") : String(v);
        });
    },

    /** The settings as a config object, or {errors} naming each bad field and its rule. */
    readConfig(model) {
      const config = {};
      const errors = [];
      for (const p of parameters) {
        if (Array.isArray(p.models) && !p.models.includes(model)) continue;
        const raw = String(d3.select(`#param-${p.name}`).property("value") ?? "").trim();
        if (raw === "") continue; // blank: the server's default
        const label = LABELS[p.name] || p.name;
        if (p.type === "int_list") {
          const parts = raw.split(/[\s,]+/).filter(Boolean);
          const values = parts.map(Number);
          if (!values.length || values.some((v) => !Number.isInteger(v) || v < (p.min ?? 1) || v > (p.max ?? Infinity))) {
            errors.push(`${label} (${raw}) must be whole numbers separated by commas, e.g. 64,32`);
          } else config[p.name] = values;
          continue;
        }
        const v = Number(raw);
        const bad =
          !Number.isFinite(v) ||
          (p.type === "int" && !Number.isInteger(v)) ||
          (p.min !== undefined && (p.exclusive_min ? v <= p.min : v < p.min)) ||
          (p.max !== undefined && (p.exclusive_max ? v >= p.max : v > p.max));
        if (bad) {
          const kind = p.type === "int" ? "a whole number" : "a number";
          const lo = p.exclusive_min ? `above ${p.min}` : `from ${p.min}`;
          const hi = p.exclusive_max ? `below ${p.max}` : `to ${p.max}`;
          errors.push(`${label} (${raw}) must be ${kind} ${lo} ${hi}`);
        } else config[p.name] = v;
      }
      return { config, errors };
    },

    setBusy(busy) {
      trainButton.property("disabled", busy);
    },
  };
}
