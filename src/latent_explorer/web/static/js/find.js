// Find points by id, class name or feature value (find-query.js says what is understood), ring
// them in every plot, and select them with Enter (combined as the toolbar's Replace / Add /
// Subtract says, so it can be undone like any selection change).
//
// Feature values come from the experiment's attributes (the same columns "Colour by" offers),
// fetched once per attribute and experiment.

import { api } from "./api.js";
import { formatCount } from "./format.js";
import { matchIds, parseQuery, resolveName } from "./find-query.js";

export function createFind({ input, countEl, state, session, plots, selection, toolbar, hook }) {
  let ids = new Int32Array(0);
  let timer = 0;
  let token = 0;
  let attributes = null; // Promise of [{name, kind, source}] for the shown experiment
  const columns = new Map(); // attribute name -> Promise of its answer
  let classNames = []; // of the points shown (from the labels, which also come with synthetic data)

  function show(text, { count = null, problem = false } = {}) {
    countEl.textContent = text;
    countEl.title = text; // the whole message where the fixed-width field cuts it off
    countEl.dataset.count = String(count ?? 0);
    countEl.classList.toggle("is-problem", problem);
    input.setAttribute("aria-invalid", String(problem));
  }

  function mark(next) {
    ids = next;
    for (const plot of Object.values(plots)) plot.setFound(ids.length ? ids : null);
    hook.update({ find: { query: input.value, count: ids.length, ids: Array.from(ids.subarray(0, 5000)) } });
  }

  async function column(name) {
    const id = state.get().experimentId;
    if (!attributes) attributes = api.attributes(id).then((a) => a.attributes || []);
    const list = await attributes;
    const known = resolveName(
      name,
      list.map((a) => a.name),
    );
    if (!known) {
      const some = list.slice(0, 4).map((a) => a.name).join(", ");
      throw new Error(`No feature “${name}”${some ? `: try ${some}` : ""}`);
    }
    if (!columns.has(known)) {
      const p = api.attribute(id, known);
      p.catch(() => columns.delete(known));
      columns.set(known, p);
    }
    return columns.get(known);
  }

  async function run() {
    clearTimeout(timer);
    const mine = ++token;
    const query = parseQuery(input.value);
    const n = session.nPoints();
    if (query.kind === "empty" || !n) {
      show(query.kind === "empty" || !input.value.trim() ? "" : "train first");
      mark(new Int32Array(0));
      return;
    }
    if (query.kind === "error") {
      show(query.message, { problem: true });
      mark(new Int32Array(0));
      return;
    }
    let col = null;
    if (query.kind === "feature") {
      try {
        col = await column(query.name);
      } catch (err) {
        if (mine !== token) return;
        show(err.message, { problem: true });
        mark(new Int32Array(0));
        return;
      }
      if (mine !== token) return;
    }
    const found = matchIds(query, { n, labels: session.labels, classNames, column: col });
    show(found.length ? `${formatCount(found.length)} found · Enter selects` : "none found", {
      count: found.length,
    });
    mark(found);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      run().then(() => {
        if (!ids.length) return;
        const record = { method: "ids", params: { query: input.value.slice(0, 200) } };
        selection.apply(toolbar.op(), Array.from(ids), record, "find");
      });
    } else if (event.key === "Escape" && input.value) {
      // Esc in the box empties it (and stops there: it does not also clear the selection).
      event.preventDefault();
      input.value = "";
      run();
    }
  });
  session.on("reset", () => {
    attributes = null;
    columns.clear();
    token++;
    mark(new Int32Array(0));
    show("");
  });
  session.on("labels", ({ dataset }) => {
    classNames = dataset?.class_names || [];
    if (input.value.trim()) run();
  });
  hook.update({ find: { query: "", count: 0, ids: [] } });
  return { run };
}
