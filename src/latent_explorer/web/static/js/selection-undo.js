// Undo / redo of selection changes (class, random, brush, lasso, clicks, Clear, a history chip):
// the Undo and Redo buttons, Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y; Cmd on a Mac). A brush being
// dragged previews without recording; only the finished change is one step. Opening another
// experiment starts a new history (its ids mean other points).

import { createUndoStack } from "./undo-stack.js";

export function createSelectionUndo({ selection, session, undoButton, redoButton, hook }) {
  const stack = createUndoStack({ limit: 100 });
  let last = selection.snapshot();
  let restoring = false;

  function refresh() {
    undoButton.disabled = !stack.canUndo;
    redoButton.disabled = !stack.canRedo;
    hook?.update({ undo: { canUndo: stack.canUndo, canRedo: stack.canRedo } });
  }

  selection.on("change", ({ preview, source }) => {
    if (preview) return;
    const now = selection.snapshot();
    if (!restoring && source !== "reset" && !sameSelection(last, now)) stack.record(last);
    last = now;
    refresh();
  });
  session.on("reset", () => {
    stack.clear();
    last = selection.snapshot();
    refresh();
  });

  function step(direction) {
    if (selection.previewing) return;
    const target = direction === "undo" ? stack.undo(last) : stack.redo(last);
    if (!target) return;
    restoring = true;
    try {
      selection.restore(target, direction);
    } finally {
      restoring = false;
    }
    refresh();
  }

  undoButton.addEventListener("click", () => step("undo"));
  redoButton.addEventListener("click", () => step("redo"));
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    // Text fields keep their own undo.
    const t = event.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (!(t instanceof HTMLInputElement && ["radio", "checkbox", "button"].includes(t.type))) return;
    }
    const key = event.key.toLowerCase();
    if (key === "z" || key === "y") {
      event.preventDefault();
      step(key === "y" || event.shiftKey ? "redo" : "undo");
    }
  });
  refresh();
  return { undo: () => step("undo"), redo: () => step("redo") };
}

function sameSelection(a, b) {
  if (a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; i++) if (a.ids[i] !== b.ids[i]) return false;
  return true;
}
