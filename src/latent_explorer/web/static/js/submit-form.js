// "Train on selection": fine-tune the current model on the selected points or train a new one
// from scratch on them, for a given number of epochs (blank: the server's default).

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";

export function createSubmitForm() {
  const emitter = createEmitter();
  const button = d3.select("#submit-button");
  const epochs = d3.select("#retrain-epochs");
  const mode = d3.select("#train-mode");
  // The retrain epochs' limits come from the server's contract (GET /api/models
  // submit_parameters); these are only what to use before that answer arrives.
  let limits = { min: 1, max: 10000 };

  d3.select("#submit-form").on("submit", (event) => {
    event.preventDefault();
    if (button.property("disabled")) return;
    emitter.emit("submit");
  });

  return {
    on: emitter.on,

    /** {mode, epochs} or {error} when the epochs field holds something unusable. */
    read() {
      const raw = String(epochs.property("value") ?? "").trim();
      let n = null;
      if (raw !== "") {
        n = Number(raw);
        if (!Number.isInteger(n) || n < limits.min || n > limits.max) {
          return {
            error: `Epochs (${raw}) must be a whole number between ${limits.min} and ${limits.max}, or blank for the default`,
          };
        }
      }
      return { mode: mode.property("value"), epochs: n };
    },

    /** Take the epochs limits from GET /api/models' submit_parameters. */
    setLimits(parameters) {
      const p = (parameters || []).find((q) => q.name === "epochs");
      if (!p) return;
      limits = { min: p.min, max: p.max };
      epochs.attr("min", p.min).attr("max", p.max).attr("title", p.help || null);
    },

    /** Enabled only with a selection, a trained model and no job running; says why not. */
    setState({ hasSelection, ready, busy, parent }) {
      const enabled = hasSelection && ready && !busy;
      let why = "";
      if (busy) why = "A job is running; wait for it or cancel it";
      else if (!ready) why = "Train a model first";
      else if (!hasSelection) why = "Select points first (brush, lasso, legend or random)";
      else why = `Train on the selection, starting from iteration ${parent}`;
      button.property("disabled", !enabled).attr("title", why);
    },
  };
}
