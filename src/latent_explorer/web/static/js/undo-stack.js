// Undo and redo as two bounded stacks of snapshots (pure: no DOM, unit-tested with node --test).
// The caller records the state *before* each change; undo hands back the state to return to and
// keeps the present for redo; any new change drops the redo side, as in every editor.
//
//   const stack = createUndoStack({ limit: 100 });
//   stack.record(before);          // a change is about to replace `before`
//   const back = stack.undo(now);  // null when there is nothing to undo
//   const fwd = stack.redo(now);   // null when there is nothing to redo

export function createUndoStack({ limit = 100 } = {}) {
  let past = [];
  let future = [];

  return {
    record(before) {
      past.push(before);
      if (past.length > limit) past = past.slice(past.length - limit);
      future = [];
    },
    undo(now) {
      if (!past.length) return null;
      future.push(now);
      return past.pop();
    },
    redo(now) {
      if (!future.length) return null;
      past.push(now);
      return future.pop();
    },
    clear() {
      past = [];
      future = [];
    },
    get canUndo() {
      return past.length > 0;
    },
    get canRedo() {
      return future.length > 0;
    },
  };
}
