// A scatterplot's data record, built from the columns the page hands over (pure: no DOM;
// unit-tested with node --test tests/js/plot-data.test.mjs). Float32Array and Int32Array
// columns are kept as they are, without a copy: 70,000 points arrive as views of one binary
// answer and are drawn from there.

import { shuffledOrder } from "./plot-geometry.js";

/**
 * next: {x, y, labels, ids?, iteration?}, columns of equal length; ids default to the row
 * numbers. The record: {n, x, y (Float32Array), labels, ids (Int32Array | null), rowOfId
 * (Int32Array by id, -1: not shown | null), color (Uint16Array palette slot per row, filled
 * by plot-palette.js), slots (class slots; slot `slots` is "unknown"), iteration, index
 * (the spatial index, built later), order (the seeded draw order)}.
 */
export function prepareData(next) {
  const n = next.x.length;
  const x = next.x instanceof Float32Array ? next.x : Float32Array.from(next.x);
  const y = next.y instanceof Float32Array ? next.y : Float32Array.from(next.y);
  const labels = next.labels instanceof Int32Array ? next.labels : Int32Array.from(next.labels);
  // Palette slot per row: its class, or slot `slots` ("unknown") for a missing label.
  let slots = 0;
  for (let i = 0; i < n; i++) if (labels[i] >= slots) slots = labels[i] + 1;
  slots = Math.min(slots, 65535);
  let ids = null;
  let rowOfId = null;
  if (next.ids) {
    ids = next.ids instanceof Int32Array ? next.ids : Int32Array.from(next.ids);
    let maxId = -1;
    for (let i = 0; i < n; i++) if (ids[i] > maxId) maxId = ids[i];
    rowOfId = new Int32Array(maxId + 1).fill(-1);
    for (let i = 0; i < n; i++) rowOfId[ids[i]] = i;
  }
  return {
    n,
    x,
    y,
    labels,
    ids,
    rowOfId,
    color: new Uint16Array(n),
    slots,
    iteration: next.iteration ?? null,
    index: null, // built once per data set, reused by every zoom and gesture
    order: shuffledOrder(n, n), // seeded by n: the same picture on every redraw
  };
}

/** The row of point id in this data, or -1 when it does not hold it. */
export function rowOfPoint(data, id) {
  if (!data || id === null || id === undefined) return -1;
  if (data.rowOfId) return id >= 0 && id < data.rowOfId.length ? data.rowOfId[id] : -1;
  return id >= 0 && id < data.n ? id : -1;
}

/** The point id of a row. */
export function idOfRow(data, row) {
  return data.ids ? data.ids[row] : row;
}

/** All the ids the data holds, in row order (a copy). */
export function idsOf(data) {
  if (!data) return [];
  return data.ids ? Array.from(data.ids) : Array.from({ length: data.n }, (_, i) => i);
}
