// The shared selection: one Set of point ids for every plot, changed by replace / add /
// subtract operations. It also keeps a record of *how* it was made (class, random with seed,
// brush, lasso, or a "manual" list of steps) so an iteration can be explained and repeated.

import { createEmitter } from "./emitter.js";

export const OPS = ["replace", "add", "subtract"];

// The server accepts selection params up to 10,000 characters of JSON; stay well below.
const MAX_PARAMS_CHARS = 8000;
const MAX_STEPS = 20;

export function createSelection() {
  const emitter = createEmitter();
  let ids = new Set();
  let how = null; // {method, params} or null when empty
  let sortedCache = null;

  function commit(nextIds, nextHow, source) {
    ids = nextIds;
    how = ids.size ? compact(nextHow) : null;
    sortedCache = null;
    emitter.emit("change", { size: ids.size, how, source });
  }

  const api = {
    on: emitter.on,
    get size() {
      return ids.size;
    },
    has: (id) => ids.has(id),
    /** The live Set; callers must not mutate it. */
    get set() {
      return ids;
    },
    /** How the selection was made: {method, params} or null. */
    get how() {
      return how;
    },
    toSortedArray() {
      if (!sortedCache) sortedCache = Int32Array.from(ids).sort();
      return Array.from(sortedCache);
    },

    /**
     * Combine `newIds` with the selection. `record` is {method, params} describing newIds;
     * `source` is passed through to listeners (e.g. which plot the brush came from).
     */
    apply(op, newIds, record, source = null) {
      if (!OPS.includes(op)) throw new Error(`unknown selection op ${op}`);
      let next;
      if (op === "replace") {
        next = new Set(newIds);
      } else if (op === "add") {
        next = new Set(ids);
        for (const id of newIds) next.add(id);
      } else {
        next = new Set(ids);
        for (const id of newIds) next.delete(id);
      }
      if (op !== "replace" && sameSet(next, ids)) return; // nothing changed: keep the record
      commit(next, combine(how, op, record), source);
    },
    replace(newIds, record, source) {
      api.apply("replace", newIds, record, source);
    },
    add(newIds, record, source) {
      api.apply("add", newIds, record, source);
    },
    subtract(newIds, record, source) {
      api.apply("subtract", newIds, record, source);
    },
    clear(source = null) {
      if (!ids.size) return;
      commit(new Set(), null, source);
    },
  };
  return api;
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

// How a selection was made after one more operation. Class picks that only add stay a
// "class" record (the natural "classes 3 and 5"); any other mix becomes a list of steps.
function combine(previous, op, record) {
  const rec = record || { method: "manual", params: {} };
  if (op === "replace" || !previous) {
    return op === "subtract" ? null : { method: rec.method, params: rec.params || {} };
  }
  if (op === "add" && previous.method === "class" && rec.method === "class") {
    const classes = [...new Set([...previous.params.classes, ...rec.params.classes])].sort(
      (a, b) => a - b,
    );
    const names = new Map();
    for (const r of [previous, rec]) {
      (r.params.classes || []).forEach((c, i) => names.set(c, r.params.class_names?.[i]));
    }
    const params = { classes };
    if ([...names.values()].every((n) => n !== undefined)) {
      params.class_names = classes.map((c) => names.get(c));
    }
    return { method: "class", params };
  }
  const steps =
    previous.method === "manual" && Array.isArray(previous.params.steps)
      ? previous.params.steps
      : [{ op: "replace", method: previous.method, params: previous.params }];
  return {
    method: "manual",
    params: { steps: [...steps, { op, method: rec.method, params: rec.params || {} }] },
  };
}

// Keep the record small enough for the server: drop old steps, then bulky params.
function compact(record) {
  if (!record) return null;
  let out = record;
  if (out.method === "manual" && out.params.steps?.length > MAX_STEPS) {
    out = {
      method: "manual",
      params: { steps: out.params.steps.slice(-MAX_STEPS), steps_dropped: true },
    };
  }
  if (JSON.stringify(out.params).length > MAX_PARAMS_CHARS) {
    out = { method: out.method, params: { detail_dropped: true } };
  }
  return out;
}
