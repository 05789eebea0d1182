// Pure geometry of a scatterplot (no DOM; unit-tested with node --test tests/js): scales folded
// into two numbers, the data window, point sizes, and the seeded draw order that keeps any class
// from always being painted last.

// scale(v) = v * a + b for a d3 linear scale, times k (the device pixel ratio).
export function linear(scale, k) {
  const [d0, d1] = scale.domain();
  const [r0, r1] = scale.range();
  const a = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return [a * k, (r0 - d0 * a) * k];
}

// A plain Set (not the selection's own view): a mask over the ids it holds.
export function maskOfSet(set) {
  let max = -1;
  for (const id of set) if (id > max) max = id;
  const mask = new Uint8Array(max + 1);
  for (const id of set) if (id >= 0) mask[id] = 1;
  return { size: set.size, mask };
}

export function pointRadius(n) {
  if (n > 5000) return 1.6;
  if (n > 1500) return 2.2;
  if (n > 400) return 3;
  return 4;
}

export function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [-1, 1];
}

export function round(v) {
  return Math.round(v * 1e4) / 1e4;
}

/** The square data window that shows every point of xs, ys with a small margin. */
export function frameOf(xs, ys) {
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half: (Math.max(x1 - x0, y1 - y0) / 2) * 1.06 || 1 };
}

/**
 * Rows 0..n-1 in a seeded random order (Fisher-Yates with mulberry32). Painting in this order
 * spreads every class evenly through the draw sequence, so where classes overlap each shows in
 * proportion to its points instead of the last class hiding the others; the same seed gives
 * the same picture on every redraw.
 */
export function shuffledOrder(n, seed = 1) {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let a = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const j = Math.floor(r * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}

/** How many of the points fall inside a W x H device-pixel area (position value * a + b). */
export function countInside({ x, y, n, ax, bx, ay, by }, W, H) {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const fx = x[i] * ax + bx;
    const fy = y[i] * ay + by;
    if (fx >= 0 && fx <= W && fy >= 0 && fy <= H) inside++;
  }
  return inside;
}

/** Rows of the points whose mask flag (by id) is set, and the others, each in `order`. */
export function splitRows(order, ids, mask, chosenOut, restOut) {
  let c = 0;
  let r = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    if (mask[ids === null ? i : ids[i]] === 1) chosenOut[c++] = i;
    else restOut[r++] = i;
  }
  return { chosen: chosenOut.subarray(0, c), rest: restOut.subarray(0, r) };
}
