// The shared selection: one set of point ids for every plot, changed by replace / add /
// subtract operations. It also keeps a record of *how* it was made (class, random with seed,
// brush, lasso, or a "manual" list of steps) so an iteration can be explained and repeated.
//
// The ids live in a Uint8Array mask indexed by id (1 = selected), not in a Set: with 70,000
// points a brush that re-selects tens of thousands of ids on every move would otherwise build
// and probe large Sets; the plots read the same mask while drawing. `selection.set` is a
// read-only Set-like view ({size, has, mask, [Symbol.iterator]}) for code that wants one.
//
// A gesture in progress (a brush being dragged) can *preview* its result: the selection shows
// base-op-ids while the base itself is kept, so moving the brush never accumulates; the final
// apply() (or endPreview() when the gesture is abandoned) replaces the preview.

import { createEmitter } from "./emitter.js";

export const OPS = ["replace", "add", "subtract"];

// The server accepts selection params up to 10,000 characters of JSON; stay well below.
const MAX_PARAMS_CHARS = 8000;
const MAX_STEPS = 20;

export function createSelection() {
  const emitter = createEmitter();
  let mask = new Uint8Array(0); // mask[id] === 1: selected; grows to the largest id seen
  let size = 0;
  let how = null; // {method, params} or null when empty
  let sortedCache = null;
  let base = null; // {mask, size, how} while a preview is shown

  const has = (id) => mask[id] === 1;
  const view = Object.freeze({
    get size() {
      return size;
    },
    has,
    /** The live mask (replaced when it grows: read it again after each change). */
    get mask() {
      return mask;
    },
    *[Symbol.iterator]() {
      for (let id = 0; id < mask.length; id++) if (mask[id]) yield id;
    },
  });

  function grow(id) {
    const next = new Uint8Array(Math.max(id + 1, mask.length * 2, 1024));
    next.set(mask);
    mask = next;
  }

  // Set or clear each id; returns how many flags changed.
  function mark(ids, flag) {
    let changed = 0;
    for (const raw of ids) {
      const id = raw | 0;
      if (id < 0 || id !== raw) continue; // ids are whole numbers >= 0
      if (id >= mask.length) {
        if (!flag) continue;
        grow(id);
      }
      if (mask[id] !== flag) {
        mask[id] = flag;
        changed++;
      }
    }
    size += flag ? changed : -changed;
    return changed;
  }

  function combineInto(op, newIds) {
    if (op === "replace") {
      mask.fill(0);
      size = 0;
      mark(newIds, 1);
      return true;
    }
    return mark(newIds, op === "add" ? 1 : 0) > 0;
  }

  // Put the pre-preview selection back without telling anyone; true if there was one.
  function dropPreview() {
    if (!base) return false;
    if (mask.length !== base.mask.length) mask = new Uint8Array(Math.max(mask.length, base.mask.length));
    mask.fill(0);
    mask.set(base.mask);
    size = base.size;
    how = base.how;
    base = null;
    sortedCache = null;
    return true;
  }

  function emit(source, preview = false) {
    sortedCache = null;
    emitter.emit("change", { size, how, source, preview });
  }

  function commit(nextHow, source) {
    how = size ? compact(nextHow) : null;
    emit(source);
  }

  const api = {
    on: emitter.on,
    get size() {
      return size;
    },
    has,
    /** A read-only Set-like view of the ids (size, has, mask, iteration); do not mutate. */
    get set() {
      return view;
    },
    /** The mask itself: mask[id] === 1 when id is selected. */
    get mask() {
      return mask;
    },
    /** How the selection was made: {method, params} or null. */
    get how() {
      return how;
    },
    /** True while a gesture previews its result. */
    get previewing() {
      return base !== null;
    },
    toSortedArray() {
      if (!sortedCache) {
        const out = [];
        for (let id = 0; id < mask.length; id++) if (mask[id]) out.push(id);
        sortedCache = out;
      }
      return sortedCache.slice();
    },

    /**
     * Combine `newIds` with the selection. `record` is {method, params} describing newIds;
     * `source` is passed through to listeners (e.g. which plot the brush came from).
     */
    apply(op, newIds, record, source = null) {
      if (!OPS.includes(op)) throw new Error(`unknown selection op ${op}`);
      const hadPreview = dropPreview();
      const previous = how;
      const changed = combineInto(op, newIds);
      if (op !== "replace" && !changed) {
        // Nothing changed: keep the record (but undo a preview listeners may have drawn).
        if (hadPreview) emit(source);
        return;
      }
      commit(combine(previous, op, record), source);
    },
    /** The selection as a value: {ids: Int32Array (sorted), how}; for undo (selection-undo.js). */
    snapshot() {
      const src = base || { mask, size, how };
      const ids = new Int32Array(src.size);
      let j = 0;
      for (let id = 0; id < src.mask.length && j < ids.length; id++) if (src.mask[id]) ids[j++] = id;
      return { ids, how: src.how };
    },
    /** Put a snapshot back as it was (its record included). */
    restore(snap, source = null) {
      base = null;
      mask.fill(0);
      size = 0;
      mark(snap.ids, 1);
      how = size ? snap.how : null;
      emit(source);
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
      const hadPreview = dropPreview();
      if (!size) {
        if (hadPreview) emit(source);
        return;
      }
      mask.fill(0);
      size = 0;
      commit(null, source);
    },

    /**
     * Show what `op` with `newIds` would give, keeping the selection from before the gesture
     * as the base of every further preview. `newIds` is only read during the call.
     */
    preview(op, newIds, source = null) {
      if (!OPS.includes(op)) throw new Error(`unknown selection op ${op}`);
      const saved = base || { mask: mask.slice(), size, how };
      dropPreview();
      base = saved;
      combineInto(op, newIds);
      emit(source, true);
    },
    /** The gesture was abandoned: show the selection from before it again. */
    endPreview(source = null) {
      if (dropPreview()) emit(source);
    },
  };
  return api;
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
