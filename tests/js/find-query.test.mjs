// node --test tests/js: the Find box's parser and matcher (pure, no browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseQuery, matchIds, matchClasses, resolveName } from "../../src/latent_explorer/web/static/js/find-query.js";

test("ids and ranges", () => {
  assert.deepEqual(parseQuery(" 3, 17,5-7 "), { kind: "ids", ids: [3, 17, 5, 6, 7] });
  assert.equal(parseQuery("9-2").kind, "error");
  assert.match(parseQuery("9-2").message, /write 2-9/);
  assert.deepEqual(Array.from(matchIds(parseQuery("1, 4, 99, 1"), { n: 5 })), [1, 4]);
});

test("feature comparisons pick the operator as written", () => {
  assert.deepEqual(parseQuery("petal length >= 5.1"), { kind: "feature", name: "petal length", op: ">=", value: 5.1, text: "5.1" });
  assert.deepEqual(parseQuery("sex = F"), { kind: "feature", name: "sex", op: "=", value: "F", text: "F" });
  assert.equal(parseQuery("x >").kind, "error");
  const column = { values: [1, 5, 5.1, null, 7] };
  assert.deepEqual(Array.from(matchIds(parseQuery("f > 5"), { n: 5, column })), [2, 4]);
  assert.deepEqual(Array.from(matchIds(parseQuery("f <= 5"), { n: 5, column })), [0, 1]);
  assert.deepEqual(Array.from(matchIds(parseQuery("f != 5"), { n: 5, column })), [0, 2, 4]);
  const cat = { categories: ["M", "F"], codes: [0, 1, 1, -1] };
  assert.deepEqual(Array.from(matchIds(parseQuery("sex = f"), { n: 4, column: cat })), [1, 2]);
  assert.deepEqual(Array.from(matchIds(parseQuery("sex != F"), { n: 4, column: cat })), [0]);
});

test("labels: exact, then prefix, then part of a name", () => {
  const names = ["setosa", "versicolor", "virginica"];
  assert.deepEqual(matchClasses("VIRGINICA", names), [2]);
  assert.deepEqual(matchClasses("v", names), [1, 2]);
  assert.deepEqual(matchClasses("color", names), [1]);
  assert.deepEqual(matchClasses("rose", names), []);
  const labels = Int32Array.from([0, 1, 2, 2, 1]);
  assert.deepEqual(Array.from(matchIds(parseQuery("virg"), { n: 5, labels, classNames: names })), [2, 3]);
});

test("feature names forgive case and underscores", () => {
  assert.equal(resolveName("Petal_Length", ["sepal length", "petal length"]), "petal length");
  assert.equal(resolveName("width", ["sepal length"]), null);
});
