// The "Export" drop-down in the header: downloads of the iteration shown in the page.
//   Data: coordinates (CSV), the selection it trained on (JSON), its metrics (JSON) and the
//   model checkpoint: plain <a download href> to the server's routes, which name the files.
//   The report is of the whole experiment (every iteration): one HTML file that opens offline.
//   Plots: each plot as PNG or SVG, drawn in the page (plot-export.js); the menu only asks.
// A download that cannot exist yet (no selection in iteration 0, metrics still measured) is
// shown disabled with the reason, rather than leading to an error page.
//
//   const menu = createExportsMenu(document.getElementById("export-menu"));
//   menu.on("plot", ({name, format}) => ...);   // returns nothing; call menu.setBusy(name, format, on)
//   menu.render({id, k, title, measured, plots: [{name, title, points}]});

import { urls } from "./api.js";
import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { closeOnOutsideClick } from "./experiments-list.js";

const LINKS = [
  { key: "csv", text: "Coordinates", ext: "CSV", url: urls.exportCsv, help: "id,x,y,label,selected for every point" },
  {
    key: "selection",
    text: "Selection",
    ext: "JSON",
    url: urls.selectionJson,
    help: "the ids this iteration trained on and how they were chosen",
    why: (s) => (s.k === 0 ? "Iteration 0 trained on all points: it has no selection" : null),
  },
  {
    key: "metrics",
    text: "Metrics",
    ext: "JSON",
    url: urls.metricsJson,
    help: "quality of this iteration and of its parent, for all / selected / rest",
    why: (s) => (s.measured ? null : "The metrics are still being measured"),
  },
  {
    key: "forgetting-json",
    text: "Forgetting per class",
    ext: "JSON",
    url: urls.forgettingJson,
    help: "reconstruction error per class (mean, 95% interval; selected / not selected), per-class T and NH, for iterations 0 to this one",
  },
  {
    key: "forgetting-csv",
    text: "Forgetting per class",
    ext: "CSV",
    url: urls.forgettingCsv,
    help: "the same, one row per class and iteration",
  },
  {
    key: "checkpoint",
    text: "Model checkpoint",
    ext: "PT",
    url: urls.checkpoint,
    help: "the model's state_dict: torch.load(file, weights_only=True)",
  },
  {
    key: "report",
    text: "Report of every iteration",
    ext: "HTML",
    url: urls.report,
    help: "one HTML file to share: the plots (hover, zoom), metrics, losses and settings of every iteration; it opens offline",
  },
];
const FORMATS = ["png", "svg"];

export function createExportsMenu(root) {
  const emitter = createEmitter();
  const menu = d3.select(root);
  const head = menu.select(".export-head");
  const empty = menu.select(".export-empty");
  const groups = menu.select(".export-groups");
  const busy = new Set(); // "name/format" being drawn

  closeOnOutsideClick(root);

  const links = menu
    .select(".export-links")
    .selectAll("li")
    .data(LINKS)
    .join("li")
    .append("a")
    .attr("class", "export-link")
    .attr("data-export", (d) => d.key)
    .attr("download", "");
  links.append("span").attr("class", "export-text").text((d) => d.text);
  links.append("span").attr("class", "export-ext").text((d) => d.ext);
  links.on("click", (event) => {
    if (event.currentTarget.getAttribute("aria-disabled") === "true") event.preventDefault();
  });

  const tbody = menu.select(".export-plots tbody");
  let last = null;

  function render(s) {
    last = s;
    const ready = Boolean(s?.id && s.k !== null && s.k !== undefined);
    root.classList.toggle("is-empty", !ready);
    empty.property("hidden", ready);
    groups.property("hidden", !ready);
    if (!ready) return;
    head.text(`Iteration ${s.k}${s.title ? ` · ${s.title}` : ""}`);
    links.each(function (d) {
      const why = d.why?.(s) || null;
      const a = d3.select(this);
      a.attr("href", why ? null : d.url(s.id, s.k))
        .attr("aria-disabled", why ? "true" : null)
        .classed("is-disabled", Boolean(why))
        .attr("title", why || d.help);
    });

    const rows = tbody
      .selectAll("tr")
      .data(s.plots, (p) => p.name)
      .join((enter) => {
        const tr = enter.append("tr");
        tr.append("th").attr("scope", "row");
        for (const format of FORMATS) {
          tr.append("td")
            .append("button")
            .attr("type", "button")
            .attr("class", "button small export-plot")
            .attr("data-format", format)
            .text(format.toUpperCase());
        }
        return tr;
      })
      .attr("data-plot", (p) => p.name);
    rows.select("th").text((p) => p.title).attr("title", (p) => p.title);
    rows
      .selectAll("button.export-plot")
      .datum(function () {
        const p = d3.select(this.closest("tr")).datum();
        return { ...p, format: this.dataset.format };
      })
      .property("disabled", (d) => !d.points || busy.has(`${d.name}/${d.format}`))
      .attr("title", (d) => (d.points ? `Download “${d.title}” as ${d.format.toUpperCase()}` : "This plot is empty"))
      .on("click", (_, d) => emitter.emit("plot", { name: d.name, format: d.format }));
  }

  return {
    on: emitter.on,
    render,
    /** A plot export runs (its button is disabled meanwhile) or ended. */
    setBusy(name, format, on) {
      if (on) busy.add(`${name}/${format}`);
      else busy.delete(`${name}/${format}`);
      if (last) render(last);
    },
  };
}
