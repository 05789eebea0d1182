// The "Seeds" field of the training settings: how many random starts to train (1 to the
// server's maximum, written into the field by the page template). Blank reads as 1.

/** {seeds} from the field, or {error} naming the setting, its rule and the value. */
export function readSeeds(input = document.getElementById("param-seeds")) {
  const raw = String(input?.value ?? "").trim();
  if (!input || raw === "") return { seeds: 1 };
  const max = Number(input.max) || 10;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) {
    return { error: `Seeds (${raw}) must be a whole number from 1 to ${max}; 1 trains one model, 5 is a good start for ranges` };
  }
  return { seeds: v };
}
