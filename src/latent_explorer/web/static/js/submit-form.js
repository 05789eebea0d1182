// "Train on selection": fine-tune the current model on the selected points or train a new one
// from scratch on them, for a given number of epochs (blank: the server's default).

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";

export function createSubmitForm() {
  const emitter = createEmitter();
  const button = d3.select("#submit-button");
  const epochs = d3.select("#retrain-epochs");
  const mode = d3.select("#train-mode");

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
        if (!Number.isInteger(n) || n < 1 || n > 10000) {
          return { error: `Epochs (${raw}) must be a whole number between 1 and 10000, or blank for the default` };
        }
      }
      return { mode: mode.property("value"), epochs: n };
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
