// The distortion map while it fills in: while a measure job runs, local trustworthiness and
// continuity are known for the points it has finished (their exact values) and unknown for the
// rest. Colour by shows the known ones on the usual scale and the others in a pale grey, and
// says in words how much is measured. Pure (node --test tests/js/partial-values.test.mjs).

/** The per-point qualities the measure job fills in point by point. */
export const PARTIAL_KEYS = new Set(["trustworthiness", "continuity"]);

/** Points not measured yet: paler than the diverging scale's mid grey ("typical"), so the two never read alike. */
export const NOT_MEASURED_COLOR = "#dadada";

/** How many of `values` are known (finite). */
export function countKnown(values) {
  let known = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) known++;
  return known;
}

/** "38%" of the points measured (never 100% before the end: 99.6% reads 99%). */
export function sharePercent(done, total) {
  if (!(total > 0)) return 0;
  return done >= total ? 100 : Math.floor((100 * done) / total);
}

/**
 * The legend's line for iterations being measured, from [{k, done, total}]: "Iteration 1: 38%
 * of points measured so far (pale grey: not yet)"; "" when there are none. `stopped`: the job
 * was cancelled or failed, so no more points will come until the iteration is measured again.
 */
export function partialNote(parts, { stopped = false } = {}) {
  if (!parts.length) return "";
  const how = stopped ? "measured before measuring stopped" : "measured so far";
  const each = parts.map(({ k, done, total }) => `Iteration ${k}: ${sharePercent(done, total)}% of points ${how}`);
  return `${each.join("; ")} (pale grey: ${stopped ? "not measured" : "not yet"})`;
}
