// "Upload CSV…": pick a file, let the server check it (POST /api/uploads answers with a report
// per column), choose the features, the label and the scaling in a modal dialog, then create
// the dataset (POST /api/datasets). The page adds it to the dataset picker ("created").
//
// Column names, cells and messages come from the user's file: they are only ever set as text
// or as attribute values, never parsed as markup. Every refusal of the server is shown in the
// dialog with its message as written (it names the line, the column and the fix).
//
//   const upload = createUploadForm(document.getElementById("upload-dialog"), button);
//   upload.on("created", (datasetInfo) => ...);

import { api } from "./api.js";
import { d3 } from "./d3.js";
import { createEmitter } from "./emitter.js";
import { createBlocker, plainUploadMessage } from "./upload-messages.js";
import { formatCount } from "./format.js";

const bytes = (n) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`);
const DELIMITER_NAMES = { ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe" };

export function createUploadForm(dialog, openButton) {
  const emitter = createEmitter();
  const el = d3.select(dialog);
  const form = el.select("form");
  const fileInput = dialog.querySelector("#upload-file");
  const info = el.select(".upload-file-info");
  const delimiter = el.select("#upload-delimiter");
  const message = el.select(".upload-message");
  const body = el.select(".upload-body");
  const nameInput = el.select("#upload-name");
  const labelSelect = el.select("#upload-label");
  const scaling = el.select("#upload-scaling");
  const tbody = el.select("#upload-columns tbody");
  const drop = el.select(".upload-drop");
  const dropBox = el.select("#upload-drop");
  const dropDetail = el.select(".upload-drop-detail");
  const createButton = el.select("#upload-create");
  const featureCount = el.select(".upload-feature-count");
  const why = el.select(".upload-why");
  let file = null;
  let preview = null;
  let asked = 0; // the latest upload; an older answer (a file chosen before) is dropped
  let busy = false;

  openButton.addEventListener("click", () => fileInput.click());
  el.selectAll(".upload-choose").on("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const chosen = fileInput.files?.[0];
    fileInput.value = ""; // choosing the same file again (after fixing it) is a change too
    if (chosen) check(chosen);
  });
  delimiter.on("change", () => file && check(file));
  el.selectAll(".upload-cancel").on("click", () => dialog.close());
  el.select(".upload-all").on("click", () => setFeatures((c) => c.numeric));
  el.select(".upload-none").on("click", () => setFeatures(() => false));
  labelSelect.on("change", () => renderColumns());
  tbody.on("change", () => renderDrop());
  nameInput.on("input", () => updateCreate());
  dropBox.on("change", () => updateCreate());
  // Escape closes the dialog only: the page's own Escape (clear the selection) skips handled keys.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    dialog.close();
  });
  dialog.addEventListener("close", () => {
    asked++; // an upload still on its way is forgotten with the dialog
    setBusy(false);
  });
  form.on("submit", (event) => {
    event.preventDefault();
    create();
  });

  function say(text, code = null) {
    message.property("hidden", !text).attr("data-code", code).text(plainUploadMessage(text || ""));
  }

  let blocker = ""; // why Create cannot be pressed yet (see updateCreate)
  function setBusy(on, label) {
    busy = on;
    createButton.property("disabled", on || !preview || Boolean(blocker)).text(on && label ? label : "Create dataset");
  }

  // Create stays disabled while the server would refuse the dataset; its title and the note
  // beside it say what to change.
  function updateCreate(problems = null) {
    if (!preview) return;
    const { features, label } = chosen();
    const count =
      problems ?? features.filter((c) => c.n_bad || c.n_missing).length + (label?.n_missing ? 1 : 0);
    blocker = createBlocker({
      name: nameInput.property("value"),
      nFeatures: features.length,
      problems: count,
      dropRows: dropBox.property("checked"),
    });
    createButton.attr("title", blocker || "Create the dataset and choose it in the Dataset list");
    why.text(blocker);
    setBusy(busy);
  }

  /** Send the file to the server and show its report, or its refusal. */
  async function check(chosen) {
    file = chosen;
    preview = null;
    if (!dialog.open) dialog.showModal();
    const mine = ++asked;
    body.property("hidden", true);
    say("");
    info.text(`${chosen.name} · ${bytes(chosen.size)} · checking…`);
    setBusy(true, "Checking…");
    let answer;
    try {
      answer = await api.upload(chosen, delimiter.property("value") || null);
    } catch (err) {
      if (mine !== asked) return;
      info.text(`${chosen.name} · ${bytes(chosen.size)}`);
      setBusy(false);
      say(err.message, err.code);
      return;
    }
    if (mine !== asked) return;
    preview = answer;
    const sep = DELIMITER_NAMES[answer.delimiter] || `“${answer.delimiter}”`;
    info.text(`${answer.filename} · ${bytes(chosen.size)} · ${formatCount(answer.n_rows)} rows · ${answer.columns.length} columns, ${sep}-separated`);
    fillForm(answer);
    body.property("hidden", false);
    setBusy(false);
    nameInput.node().focus();
  }

  function fillForm(p) {
    nameInput.property("value", p.filename.replace(/\.[^.]*$/, "").slice(0, 100));
    const suggested = new Set(p.suggested_features);
    labelSelect
      .selectAll("option")
      .data([null, ...p.columns.map((c, i) => ({ ...c, index: i }))])
      .join("option")
      .attr("value", (c) => (c ? String(c.index) : ""))
      .text((c) => (c ? c.name : "(none)"));
    const label = p.columns.findIndex((c) => c.name === p.suggested_label);
    labelSelect.property("value", label >= 0 ? String(label) : "");
    dropBox.property("checked", false);
    tbody.selectAll("tr").remove();
    const rows = tbody
      .selectAll("tr")
      .data(p.columns.map((c, i) => ({ ...c, index: i })))
      .join("tr")
      .attr("data-index", (c) => c.index)
      .attr("data-name", (c) => c.name);
    rows
      .append("td")
      .append("input")
      .attr("type", "checkbox")
      .attr("class", "upload-feature")
      .attr("aria-label", (c) => `Use column ${c.name} as a feature`)
      .property("checked", (c) => suggested.has(c.name));
    const name = rows.append("td").attr("class", "upload-col-name");
    name.append("span").attr("class", "upload-col-text").attr("title", (c) => c.name).text((c) => c.name);
    name.append("span").attr("class", "upload-label-badge").text("label");
    rows.append("td").attr("class", "upload-col-kind").text((c) => (c.numeric ? "numbers" : "text"));
    rows.append("td").attr("class", "num upload-col-bad");
    rows.append("td").attr("class", "num upload-col-missing");
    rows.append("td").attr("class", "num").text((c) => formatCount(c.n_distinct ?? NaN));
    rows
      .append("td")
      .attr("class", "upload-col-examples")
      .attr("title", (c) => c.examples.join("\n"))
      .text((c) => c.examples.join(", "));
    renderColumns();
  }

  function labelIndex() {
    const v = labelSelect.property("value");
    return v === "" ? -1 : Number(v);
  }

  /** Features are numeric columns other than the label; counts of cells that need fixing. */
  function renderColumns() {
    const label = labelIndex();
    const rows = tbody.selectAll("tr");
    rows.classed("is-label", (c) => c.index === label).classed("is-text", (c) => !c.numeric);
    rows
      .select(".upload-feature")
      .property("disabled", (c) => !c.numeric || c.index === label)
      .attr("title", (c) =>
        !c.numeric ? "This column holds text: it can be the label, not a feature" : c.index === label ? "This column is the label" : null,
      )
      .each(function (c) {
        if (!c.numeric || c.index === label) this.checked = false;
      });
    rows
      .select(".upload-col-bad")
      .text((c) => (c.numeric ? formatCount(c.n_bad) : "–"))
      .attr("title", (c) => (c.numeric && c.n_bad ? `text cells; the first on line ${c.first_bad_row}` : null));
    rows
      .select(".upload-col-missing")
      .text((c) => formatCount(c.n_missing))
      .attr("title", (c) => (c.n_missing ? `empty, NA-like or non-finite cells; the first on line ${c.first_missing_row ?? "?"}` : null));
    renderDrop();
  }

  function setFeatures(wanted) {
    const label = labelIndex();
    tbody.selectAll("tr").select(".upload-feature").each(function (c) {
      this.checked = c.numeric && c.index !== label && wanted(c);
    });
    renderDrop();
  }

  function chosen() {
    const features = [];
    tbody.selectAll("tr").each(function (c) {
      if (this.querySelector(".upload-feature").checked) features.push(c);
    });
    const label = labelIndex();
    return { features, label: label >= 0 ? preview.columns[label] : null };
  }

  /** The count of chosen features, and "Drop rows with bad cells" only when a chosen column
   * has some, with what and where. */
  function renderDrop() {
    if (!preview) return;
    const { features, label } = chosen();
    const usable = preview.columns.filter((c, i) => c.numeric && i !== labelIndex()).length;
    featureCount.text(`(${features.length} of ${usable} chosen)`);
    const problems = [];
    for (const c of features) {
      if (c.n_bad) problems.push(`${c.name}: ${formatCount(c.n_bad)} text cell${c.n_bad === 1 ? "" : "s"}, first on line ${c.first_bad_row}`);
      if (c.n_missing) problems.push(`${c.name}: ${formatCount(c.n_missing)} missing, first on line ${c.first_missing_row ?? "?"}`);
    }
    if (label?.n_missing) problems.push(`${label.name} (label): ${formatCount(label.n_missing)} missing, first on line ${label.first_missing_row ?? "?"}`);
    drop.property("hidden", problems.length === 0);
    if (!problems.length) dropBox.property("checked", false);
    dropDetail.selectAll("li").data(problems).join("li").text((d) => d);
    updateCreate(problems.length);
  }

  async function create() {
    if (!preview || busy) return;
    const name = nameInput.property("value").trim();
    const { features, label } = chosen();
    if (!name) return say("Name: give the dataset a name (1 to 100 characters)");
    if (!features.length) return say("Features: choose at least one column of numbers");
    say("");
    setBusy(true, "Creating…");
    const mine = asked;
    let dataset;
    try {
      dataset = await api.createDataset({
        upload_id: preview.upload_id,
        name,
        features: features.map((c) => c.name),
        label: label ? label.name : null,
        scaling: scaling.property("value"),
        drop_bad_rows: !drop.property("hidden") && dropBox.property("checked"),
      });
    } catch (err) {
      if (mine !== asked) return;
      setBusy(false);
      say(err.message, err.code);
      return;
    }
    if (mine !== asked) return;
    dialog.close();
    emitter.emit("created", dataset);
  }

  return { on: emitter.on };
}
