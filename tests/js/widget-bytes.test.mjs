// node --test tests/js: the notebook widget's binary traits (widget/widget.js). The kernel's
// comm hands bytes over as a DataView that may start at any offset of a larger buffer.
import "./d3-global.mjs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { bufferOf, coordinateColumns } from "../../src/latent_explorer/web/static/js/widget/widget.js";

function unalignedView(values) {
  // float32 values written little-endian at byte offset 3 of a larger buffer
  const raw = new ArrayBuffer(3 + values.length * 4 + 5);
  const view = new DataView(raw, 3, values.length * 4);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return view;
}

test("coordinates are every x, then every y, as float32, from an unaligned view", () => {
  const { x, y } = coordinateColumns(unalignedView([0.5, -1.25, 3, 10, 20.5, -30]));
  assert.ok(x instanceof Float32Array && y instanceof Float32Array);
  assert.deepEqual(Array.from(x), [0.5, -1.25, 3]);
  assert.deepEqual(Array.from(y), [10, 20.5, -30]);
});

test("a binary trait is copied out of its view, whatever its kind", () => {
  const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Array.from(new Uint8Array(bufferOf(new DataView(bytes.buffer, 2, 4)))), [3, 4, 5, 6]);
  assert.deepEqual(Array.from(new Uint8Array(bufferOf(bytes.subarray(6)))), [7, 8]);
  assert.deepEqual(Array.from(new Uint8Array(bufferOf(bytes.buffer))), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(bufferOf(null).byteLength, 0);
  assert.equal(coordinateColumns(null).x.length, 0);
});
