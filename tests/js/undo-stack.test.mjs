import { test } from "node:test";
import assert from "node:assert/strict";
import { createUndoStack } from "../../src/latent_explorer/web/static/js/undo-stack.js";

test("undo returns the state before each change, redo walks forward again", () => {
  const s = createUndoStack();
  assert.equal(s.undo("a"), null);
  s.record("a"); // a -> b
  s.record("b"); // b -> c
  assert.equal(s.undo("c"), "b");
  assert.equal(s.undo("b"), "a");
  assert.equal(s.canUndo, false);
  assert.equal(s.redo("a"), "b");
  assert.equal(s.redo("b"), "c");
  assert.equal(s.redo("c"), null);
});

test("a new change drops the redo side; the stack is bounded", () => {
  const s = createUndoStack({ limit: 2 });
  s.record(1);
  s.record(2);
  s.record(3);
  assert.equal(s.undo(4), 3);
  s.record(3.5);
  assert.equal(s.canRedo, false);
  assert.equal(s.undo("x"), 3.5);
  assert.equal(s.undo(3.5), 2);
  assert.equal(s.undo(2), null); // 1 fell off the bottom
});
