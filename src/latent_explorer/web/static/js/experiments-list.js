// "Recent experiments": a drop-down in the header listing what the server has stored (dataset,
// model, date, iterations, status), newest first. A row opens its experiment the way an
// address with ?experiment=<id> does; its Delete button asks once more in place (never a
// window.confirm, which would block the page and every test driving it).
//
// Also the note shown under the header when the shown experiment's last job was interrupted
// (the server stopped while it ran): its earlier iterations are kept, the job's work is not.
//
//   const recent = createRecentExperiments(document.getElementById("recent-menu"), {errors});
//   recent.on("open", (id) => ...); recent.on("deleted", (id) => ...);
//   recent.refresh(); recent.setCurrent(id);

import { api } from "./api.js";
import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";

const LIMIT = 30;
const MODEL_NAMES = { ae: "AE", vae: "VAE" };
const STATUS_TITLES = {
  training: "Training now",
  ready: "Trained; open it to explore",
  failed: "The first training failed",
  cancelled: "The first training was cancelled",
  interrupted: "The server stopped while it trained: nothing was kept",
};
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? "") : dateFormat.format(d);
}

export function createRecentExperiments(root, { errors }) {
  const emitter = createEmitter();
  const menu = d3.select(root);
  const list = menu.select(".recent-list");
  const empty = menu.select(".recent-empty");
  const count = menu.select(".menu-count");
  let rows = [];
  let current = null;
  let asked = 0; // the latest refresh; older answers are dropped
  const confirming = new Set(); // ids whose row asks "Delete?"
  const deleting = new Set();

  closeOnOutsideClick(root);
  // Opening the menu always shows the server's list as it is now.
  root.addEventListener("toggle", () => {
    if (root.open) refresh();
    else confirming.clear();
  });

  async function refresh() {
    const mine = ++asked;
    let answer;
    try {
      answer = await api.experiments(LIMIT);
    } catch (err) {
      if (mine === asked) errors.show(err, "Loading the recent experiments");
      return;
    }
    if (mine !== asked) return;
    rows = answer.experiments || [];
    render();
  }

  async function remove(id) {
    deleting.add(id);
    render();
    try {
      await api.deleteExperiment(id);
      rows = rows.filter((r) => r.id !== id);
      emitter.emit("deleted", id);
    } catch (err) {
      errors.show(err, "Deleting the experiment");
    } finally {
      deleting.delete(id);
      confirming.delete(id);
    }
    render();
    refresh();
  }

  function render() {
    count.text(rows.length ? String(rows.length) : "");
    empty.property("hidden", rows.length > 0);
    const items = list
      .selectAll("li.recent-item")
      .data(rows, (r) => r.id)
      .join((enter) => {
        const li = enter.append("li").attr("class", "recent-item");
        const open = li.append("button").attr("type", "button").attr("class", "recent-open");
        const top = open.append("span").attr("class", "recent-top");
        top.append("span").attr("class", "recent-dataset");
        top.append("span").attr("class", "status-badge");
        open.append("span").attr("class", "recent-meta");
        const actions = li.append("span").attr("class", "recent-actions");
        actions.append("button").attr("type", "button").attr("class", "button small recent-delete").text("Delete");
        const ask = actions.append("span").attr("class", "recent-confirm");
        ask.append("span").attr("class", "recent-confirm-text").text("Delete for good?");
        ask.append("button").attr("type", "button").attr("class", "button small danger recent-confirm-yes").text("Delete");
        ask.append("button").attr("type", "button").attr("class", "button small recent-confirm-no").text("Keep");
        return li;
      })
      .attr("data-experiment", (r) => r.id)
      .attr("data-status", (r) => r.status)
      .classed("is-current", (r) => r.id === current);

    items
      .select(".recent-open")
      .attr("aria-current", (r) => (r.id === current ? "true" : null))
      .attr("title", (r) => `Open ${r.dataset_title || r.dataset} (${r.id})\nupdated ${formatDate(r.updated_at)}`)
      .on("click", (_, r) => {
        root.open = false;
        emitter.emit("open", r.id);
      });
    items.select(".recent-dataset").text((r) => r.dataset_title || r.dataset);
    items
      .select(".status-badge")
      .attr("data-status", (r) => r.status)
      .attr("title", (r) => STATUS_TITLES[r.status] || r.status)
      // "ready" is the normal case: only the others earn a badge.
      .property("hidden", (r) => r.status === "ready")
      .text((r) => r.status);
    items.select(".recent-meta").text((r) => {
      const n = r.n_iterations;
      return `${MODEL_NAMES[r.model] || r.model} · ${n} iteration${n === 1 ? "" : "s"} · changed ${formatDate(r.updated_at)}`;
    });
    items
      .select(".recent-delete")
      .property("hidden", (r) => confirming.has(r.id))
      .attr("title", (r) => (r.status === "training" ? "Cancel its training first" : "Delete this experiment and its files"))
      .on("click", (event, r) => {
        event.stopPropagation();
        confirming.add(r.id);
        render();
        list.select(`li[data-experiment="${r.id}"] .recent-confirm-no`).node()?.focus();
      });
    items.select(".recent-confirm").property("hidden", (r) => !confirming.has(r.id));
    items
      .select(".recent-confirm-yes")
      .property("disabled", (r) => deleting.has(r.id))
      .on("click", (event, r) => {
        event.stopPropagation();
        remove(r.id);
      });
    items.select(".recent-confirm-no").on("click", (event, r) => {
      event.stopPropagation();
      confirming.delete(r.id);
      render();
    });
  }

  render();
  return {
    on: emitter.on,
    refresh,
    setCurrent(id) {
      current = id || null;
      render();
    },
    ids: () => rows.map((r) => r.id),
  };
}

/**
 * The note under the header about the shown experiment's last job, when the server stopped
 * while it ran (GET /api/experiments/<id>: last_job.state "interrupted"). Hidden otherwise.
 */
export function createJobNote(el) {
  const note = d3.select(el);
  return {
    render(exp) {
      const job = exp?.last_job;
      const interrupted = job?.state === "interrupted" || exp?.status === "interrupted";
      el.hidden = !interrupted;
      note.attr("data-state", interrupted ? "interrupted" : null);
      if (!interrupted) return;
      const first = !job || job.kind === "initial" || (job.kind === "train" && job.iteration === 0);
      const what = first ? "the first training" : `iteration ${job.iteration}`;
      const when = job?.started_at ? ` (started ${formatDate(job.started_at)})` : "";
      const n = exp.iterations?.length || 0;
      const kept =
        n === 0
          ? "Nothing was kept; train again to redo it."
          : `${n === 1 ? "Iteration 0 is" : `Iterations 0–${n - 1} are`} kept; submit again to redo it.`;
      note.selectAll("*").remove();
      note.append("strong").text("Interrupted: ");
      note.append("span").text(`the server stopped while training ${what}${when}. ${kept}`);
    },
  };
}

/** A drop-down <details> closes when the page is clicked elsewhere, as a menu would. */
export function closeOnOutsideClick(details) {
  document.addEventListener("click", (event) => {
    if (details.open && !details.contains(event.target)) details.open = false;
  });
  details.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && details.open) {
      event.preventDefault(); // the page's Escape (clear the selection) is not meant here
      details.open = false;
      details.querySelector("summary")?.focus();
    }
  });
}
