// "x N" beside Submit: repeat the Submit N times (1-20) as N chained fine-tunes on the same
// selection, the original system's "ten training repetitions". The server runs them as one
// cancellable sequence and stores every repetition as an iteration.
//
// The field is added next to the Submit button by this module, so the form's markup stays
// the UX layer's; submit-form.js knows nothing of it.

import { d3 } from "./d3.js";

export const MAX_REPEAT = 20;

export function createRepeatControl({ button = "#submit-button", mode = "#train-mode" } = {}) {
  const submit = d3.select(button);
  const modeSelect = d3.select(mode);
  const label = d3
    .select(submit.node().parentNode)
    .insert("label", () => submit.node())
    .attr("class", "repeat-control")
    .attr("title", `Repeat the Submit: N fine-tunes in a row on the same selection (1 to ${MAX_REPEAT}); each is stored as an iteration`);
  label.append("span").attr("aria-hidden", "true").text("×");
  const input = label
    .append("input")
    .attr("id", "retrain-repeat")
    .attr("type", "number")
    .attr("min", 1)
    .attr("max", MAX_REPEAT)
    .attr("step", 1)
    .attr("value", 1)
    .attr("aria-label", `Repetitions (1 to ${MAX_REPEAT})`);

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
