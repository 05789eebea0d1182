// What the Find box understands, as pure functions (no DOM; unit-tested with node --test):
//
//   "42" | "3, 17, 100-120"         point ids (ranges included)
//   "setosa" | "T-shirt"            a class name (case-insensitive; a unique prefix or a part)
//   "petal length > 5" | "sex = F"  a feature (or other attribute) compared with a value:
//                                   = != < <= > >= (a number, or a category's name)
//
// parseQuery(text) -> {kind: "empty" | "ids" | "label" | "feature" | "error", ...}
// matchIds(query, {n, labels, classNames, column}) -> Int32Array of the ids that match; column
// is the attribute's values for a "feature" query: {values: number[]} or {categories, codes}.

const OPS = ["<=", ">=", "!=", "=", "<", ">"];
const MAX_RANGE = 1_000_000;

export function parseQuery(text) {
  const q = String(text ?? "").trim();
  if (!q) return { kind: "empty" };
  if (/^[\d\s,-]+$/.test(q)) return parseIds(q);
  for (const op of OPS) {
    const at = q.indexOf(op);
    if (at <= 0) continue;
    // "<=" before "<": the first operator in OPS order that occurs is the one written.
    const name = q.slice(0, at).trim();
    const value = q.slice(at + op.length).trim();
    if (!name || !value) {
      return { kind: "error", message: `“${q}”: write a feature, an operator and a value, e.g. petal length > 5` };
    }
    const number = Number(value);
    return { kind: "feature", name, op, value: Number.isFinite(number) && value !== "" ? number : value, text: value };
  }
  return { kind: "label", text: q };
}

function parseIds(q) {
  const ids = [];
  for (const part of q.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return { kind: "error", message: `“${part}” is not a point id or a range like 10-20` };
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return { kind: "error", message: `The range ${part} runs backwards: write ${b}-${a}` };
    if (b - a > MAX_RANGE) return { kind: "error", message: `The range ${part} is longer than ${MAX_RANGE} ids` };
    for (let id = a; id <= b; id++) ids.push(id);
  }
  return { kind: "ids", ids };
}

/** Which class indices a label query names: exact (case-insensitive), else prefix, else part. */
export function matchClasses(text, classNames) {
  const t = String(text).toLowerCase();
  const names = classNames.map((n) => String(n).toLowerCase());
  for (const test of [(n) => n === t, (n) => n.startsWith(t), (n) => n.includes(t)]) {
    const hits = names.flatMap((n, i) => (test(n) ? [i] : []));
    if (hits.length) return hits;
  }
  return [];
}

/** Resolve a feature name against the attributes on offer (case and spacing forgiven). */
export function resolveName(name, available) {
  const norm = (s) => String(s).toLowerCase().replace(/[\s_]+/g, " ").trim();
  const want = norm(name);
  return available.find((a) => norm(a) === want) ?? null;
}

function compare(a, op, b) {
  switch (op) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

export function matchIds(query, { n, labels = null, classNames = [], column = null }) {
  const out = [];
  if (query.kind === "ids") {
    for (const id of query.ids) if (id < n) out.push(id);
    return Int32Array.from(new Set(out));
  }
  if (query.kind === "label") {
    const classes = new Set(matchClasses(query.text, classNames));
    if (labels && classes.size) for (let i = 0; i < n; i++) if (classes.has(labels[i])) out.push(i);
    return Int32Array.from(out);
  }
  if (query.kind === "feature" && column) {
    if (column.categories) {
      const wanted = typeof query.value === "number" ? String(query.value) : query.text;
      const code = column.categories.findIndex((c) => String(c).toLowerCase() === wanted.toLowerCase());
      if (query.op !== "=" && query.op !== "!=") return new Int32Array(0);
      for (let i = 0; i < n; i++) {
        const c = column.codes[i];
        if (c === null || c === undefined || c < 0) continue;
        if (compare(c, query.op, code)) out.push(i);
      }
      return Int32Array.from(out);
    }
    if (typeof query.value !== "number") return new Int32Array(0);
    for (let i = 0; i < n; i++) {
      const v = column.values[i];
      if (v !== null && Number.isFinite(v) && compare(v, query.op, query.value)) out.push(i);
    }
  }
  return Int32Array.from(out);
}
