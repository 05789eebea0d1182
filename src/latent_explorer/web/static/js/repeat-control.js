// "x N" beside Submit: repeat the Submit N times (1-20) as N chained fine-tunes on the same
// selection, the original system's "ten training repetitions". The server runs them as one
// cancellable sequence and stores every repetition as an iteration.
//
// submit-form.js knows nothing of it; the field's markup sits beside the Submit button.

import { d3 } from "./d3.js";

export const MAX_REPEAT = 20;

export function createRepeatControl({ input: field = "#retrain-repeat", mode = "#train-mode" } = {}) {
  // The field is in the page's markup (index.html), not inserted here: content added after
  // the first paint would shift the Submit form.
  const modeSelect = d3.select(mode);
  const input = d3.select(field);

  // Chaining only makes sense for fine-tunes: a model from scratch forgets its parent anyway.
  function syncMode() {
    const scratch = modeSelect.property("value") === "scratch";
    input.property("disabled", scratch);
    if (scratch) input.property("value", 1);
  }
  modeSelect.on("change.repeat", syncMode);
  syncMode();

  return {
    /** {repeat} or {error} naming the field, the rule and the value. */
    read() {
      const raw = String(input.property("value") ?? "").trim();
      if (raw === "") return { repeat: 1 };
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > MAX_REPEAT) {
        return { error: `Repetitions (×${raw}) must be a whole number from 1 to ${MAX_REPEAT}; use 1 for a single Submit` };
      }
      return { repeat: n };
    },
    set(n) {
      input.property("value", n);
    },
  };
}

/** "repetition 4 of 10 · " for a progress event of a repeated Submit, "" otherwise. */
export function repetitionText(p) {
  return p && p.repetitions > 1 ? `repetition ${p.repetition} of ${p.repetitions} · ` : "";
}
