// "Compare two iterations": any two iterations of the experiment side by side, each measure over
// all points, with the change from the first to the second (green better, red worse, as in the
// metrics tables). The numbers are those of GET /api/experiments/<id>, which lists every
// iteration with its metrics, so no request is made here.
//
// Until the user picks, the pair follows the page: the shown iteration against its parent.
//
//   const compare = createComparePanel(root);
//   compare.render(experiment, currentIteration);

import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { METRICS, judge } from "./metrics-panel.js";
import { formatDelta, formatError, formatScore } from "./format.js";
import { chipText } from "./history.js";

export function createComparePanel(root) {
  const emitter = createEmitter();
  const el = d3.select(root).classed("compare-panel", true);
  el.selectAll("*").remove();
  const head = el.append("div").attr("class", "compare-head");
  head.append("h3").text("Compare");
  const pickA = head.append("select").attr("id", "compare-a").attr("aria-label", "First iteration");
  head.append("span").attr("class", "note").text("with");
  const pickB = head.append("select").attr("id", "compare-b").attr("aria-label", "Second iteration");
  const body = el.append("div").attr("class", "compare-body");
  let experiment = null;
  let picked = null; // [a, b] chosen by the user, kept while the experiment stays
  let experimentId = null;

  for (const s of [pickA, pickB]) {
    s.on("change", () => {
      picked = [Number(pickA.property("value")), Number(pickB.property("value"))];
      draw();
      emitter.emit("change", { a: picked[0], b: picked[1] });
    });
  }

  function defaults(iterations, current) {
    const last = iterations.length - 1;
    const b = current !== null && current !== undefined && iterations[current] ? current : last;
    const parent = iterations[b]?.parent;
    const a = parent !== null && parent !== undefined ? parent : Math.max(0, b - 1);
    return [a, b];
  }

  function fill(select, iterations, value) {
    select
      .selectAll("option")
      .data(iterations, (it) => it.index)
      .join("option")
      .attr("value", (it) => it.index)
      .attr("title", (it) => chipText(it))
      .text((it) => chipText(it));
    select.property("value", value);
    // The drop-down is narrow: its title names the whole choice.
    select.attr("title", iterations[value] ? chipText(iterations[value]) : null);
  }

  function draw() {
    body.selectAll("*").remove();
    const iterations = experiment?.iterations || [];
    if (iterations.length < 2) {
      body.append("p").attr("class", "note").text("Two iterations are needed: submit a selection first.");
      return;
    }
    const [a, b] = [Number(pickA.property("value")), Number(pickB.property("value"))];
    const ma = iterations[a]?.metrics?.all;
    const mb = iterations[b]?.metrics?.all;
    const columns = METRICS.filter((m) => !m.vaeOnly || experiment.model === "vae");
    const t = body.append("table").attr("class", "compare-table").attr("data-a", a).attr("data-b", b);
    const hr = t.append("thead").append("tr");
    hr.append("th").attr("scope", "col").text("All points");
    hr.append("th").attr("scope", "col").attr("class", "num").text(`it. ${a}`);
    hr.append("th").attr("scope", "col").attr("class", "num").text(`it. ${b}`);
    hr.append("th").attr("scope", "col").attr("class", "num").attr("title", `Change from iteration ${a} to ${b}`).text("Δ");
    const tbody = t.append("tbody");
    for (const m of columns) {
      const va = ma?.[m.key];
      const vb = mb?.[m.key];
      const fmt = m.kind === "score" ? formatScore : formatError;
      const tr = tbody.append("tr").attr("data-metric", m.key);
      tr.append("th").attr("scope", "row").attr("title", m.help).text(m.label);
      tr.append("td").attr("class", "num").attr("data-side", "a").attr("data-value", Number.isFinite(va) ? va : "").text(fmt(va));
      tr.append("td").attr("class", "num").attr("data-side", "b").attr("data-value", Number.isFinite(vb) ? vb : "").text(fmt(vb));
      const td = tr.append("td").attr("class", "num delta").attr("data-side", "delta");
      if (Number.isFinite(va) && Number.isFinite(vb)) {
        const delta = vb - va;
        td.attr("data-value", delta).classed(`delta-${judge(delta, va, m)}`, true).text(formatDelta(delta, m.kind));
      } else {
        td.attr("data-value", "").text("");
      }
    }
    if (!ma || !mb) {
      body.append("p").attr("class", "note").text("An iteration without numbers is still being measured (or its job stopped first).");
    }
  }

  return {
    on: emitter.on,
    /** experiment: GET /api/experiments/<id> (or null); current: the shown iteration. */
    render(exp, current) {
      if (exp?.id !== experimentId) picked = null;
      experimentId = exp?.id ?? null;
      experiment = exp;
      const iterations = exp?.iterations || [];
      el.property("hidden", iterations.length < 2);
      const valid = picked?.every((k) => iterations[k]);
      const [a, b] = valid ? picked : defaults(iterations, current);
      fill(pickA, iterations, a);
      fill(pickB, iterations, b);
      draw();
    },
    /** Choose the pair (as the user would). */
    pick(a, b) {
      picked = [a, b];
      pickA.property("value", a);
      pickB.property("value", b);
      draw();
    },
  };
}
