// How long a running job has left, from its own pace so far (pure; node --test tests/js).
// The first progress event starts the clock (queueing and start-up are not work that repeats),
// so the estimate uses the epochs done since then; it says nothing until two epochs are in.

/** Seconds left, or null while there is too little to go on. */
export function etaSeconds({ startMs, startDone, nowMs, done, total }) {
  const run = done - startDone;
  if (!(total > done) || run < 1 || !(nowMs > startMs)) return null;
  const perUnit = (nowMs - startMs) / 1000 / run;
  return perUnit * (total - done);
}

/** "about 12 s left", "about 3 min left", or "" when unknown. */
export function etaText(seconds) {
  if (seconds === null || !Number.isFinite(seconds)) return "";
  if (seconds < 1) return "less than a second left";
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}
