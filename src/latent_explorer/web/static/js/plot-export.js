// A plot as a figure for a report, drawn in the page from what the plot shows now (zoom
// included): a title (dataset, model, iteration, plot), the plot with its axes and axis labels,
// a legend of the classes and a caption line with the iteration's metrics.
//   SVG: a standalone vector document: points as <circle>s while there are at most 20,000 of
//        them and the plot draws points (beyond that, or in density mode, the plot's canvas goes
//        in as one <image>: tens of MB of circles would help nobody), then the overlay with its
//        computed styles written as attributes (the page's CSS stays home).
//   PNG: the same SVG figure rasterised at twice its size (PNG_SCALE), so text, axes and the
//        circles stay sharp when printed.
// The points wear the plot's colours and, when the plot tells classes apart by shape, its
// shapes; Find's rings come along. Interactive layers (zoom surface, hover ring, brush,
// lasso) are left out of both.
// Every text (titles, tick labels) is set with textContent and serialised by XMLSerializer,
// so a dataset or class name cannot become markup in the file.
//
//   await exportPlot(plot, {format: "png", filename, title, selection, legend: [{name, color, shape?}],
//                           caption, axisLabels: ["latent 1", "latent 2"]});

import { shuffledOrder } from "./plot-geometry.js";
// The scatterplot's look: dimmed rest while a selection exists, selected on top, larger.
import { BASE_ALPHA, DIM_ALPHA, OUTLINE_MAX, SELECTED_SCALE } from "./plot-paint.js";

const MAX_CIRCLES = 20_000;
const TITLE_BAND = 26; // CSS px above the plot for the title line
const AXIS_BAND = 16; // under the plot (x label) and left of it (y label)
const LINE = 16; // one legend or caption line
const PNG_SCALE = 2;
const MIN_WIDTH = 420; // a figure narrower than this cannot hold a legend or a caption
const SVG_NS = "http://www.w3.org/2000/svg";
const INTERACTIVE = ".zoom-surface, .hover-ring, .brush-layer, .key-brush-layer, .lasso-layer";
// What the page's stylesheet decides for SVG content; copied onto the clone as attributes.
const STYLE_PROPS = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
  "text-anchor",
  "dominant-baseline",
  "paint-order",
];
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

/** `text` reduced to [A-Za-z0-9._-], as the server names its downloads (web/exports.py). */
export function slug(text, fallback = "data") {
  const out = String(text ?? "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+|[._-]+$/g, "")
    .slice(0, 64)
    .replace(/[._-]+$/, "");
  return out || fallback;
}

/** "<dataset>-<model>-iteration<k>-plot-<name>.<ext>", safe on every file system. */
export function plotFileName({ dataset, model, iteration, plot, ext }) {
  const k = Number.isInteger(iteration) ? iteration : 0;
  return `${slug(dataset)}-${slug(model, "model")}-iteration${k}-plot-${slug(plot, "plot")}.${ext}`;
}

/** Build the file and hand it to the browser as a download. */
export async function exportPlot(plot, { format, filename, title = "", selection = null, legend = [], caption = "", axisLabels = ["latent 1", "latent 2"] }) {
  const parts = partsOf(plot.node());
  const doc = figure(plot, parts, { title, selection, legend, caption, axisLabels });
  const blob = format === "svg" ? new Blob([serialise(doc)], { type: "image/svg+xml" }) : await pngBlob(doc);
  saveBlob(blob, filename);
  return blob;
}

// Where the canvases and the overlay sit, in CSS pixels relative to the overlay's corner.
function partsOf(root) {
  const svg = root.querySelector(".plot-body svg");
  if (!svg) throw new Error("This plot has nothing to export yet");
  const box = svg.getBoundingClientRect();
  const canvases = [...root.querySelectorAll(".plot-body canvas")].map((canvas) => {
    const r = canvas.getBoundingClientRect();
    return { canvas, x: r.left - box.left, y: r.top - box.top, width: r.width, height: r.height };
  });
  return { svg, width: box.width, height: box.height, canvases, density: root.getAttribute("data-density") === "on" };
}

/** Legend entries laid out in rows of the figure's width: [{name, color, x, row}]. */
export function legendRows(entries, width, charWidth = 6.2) {
  const out = [];
  let x = 0;
  let row = 0;
  for (const e of entries) {
    const w = 16 + String(e.name).length * charWidth + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    out.push({ ...e, x, row });
    x += w;
  }
  return out;
}

/** Words of `text` in lines of at most `width` px (approximately: charWidth per character). */
export function wrapText(text, width, charWidth = 6) {
  const perLine = Math.max(10, Math.floor(width / charWidth));
  const lines = [];
  let line = "";
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

// ---- the figure (SVG) ------------------------------------------------------------------------

function figure(plot, parts, { title, selection, legend, caption, axisLabels }) {
  const { width, height } = parts;
  const W = Math.max(MIN_WIDTH, width + AXIS_BAND);
  const inner = W - 16;
  const left = AXIS_BAND + Math.max(0, (W - AXIS_BAND - width) / 2); // the plot, centred
  const placed = legendRows(legend, inner);
  const legendLines = placed.length ? placed[placed.length - 1].row + 1 : 0;
  const captionLines = wrapText(caption, inner);
  const legendTop = TITLE_BAND + height + AXIS_BAND + 6;
  const captionTop = legendTop + legendLines * LINE + (legendLines ? 4 : 0);
  const H = captionTop + captionLines.length * LINE + 6;

  const doc = el("svg", { xmlns: SVG_NS, width: round(W), height: round(H), viewBox: `0 0 ${round(W)} ${round(H)}` });
  doc.append(el("rect", { width: "100%", height: "100%", fill: "#ffffff" }));
  doc.append(text(title, { x: 8, y: TITLE_BAND / 2, "font-size": 13, "font-weight": 600 }));
  const body = el("g", { transform: `translate(${round(left)},${TITLE_BAND})` });
  doc.append(body);

  const g = plot.geometry();
  const area = parts.canvases[0] || { x: 0, y: 0, width, height };
  if (g.n > 0 && g.n <= MAX_CIRCLES && !parts.density) {
    const clip = el("clipPath", { id: "plot-area" });
    clip.append(el("rect", { x: round(area.x), y: round(area.y), width: round(area.width), height: round(area.height) }));
    const defs = el("defs");
    defs.append(clip);
    body.append(defs);
    const layer = el("g", { "clip-path": "url(#plot-area)", transform: `translate(${round(area.x)},${round(area.y)})` });
    points(layer, g, selection, area);
    foundRings(layer, g, area);
    body.append(layer);
  } else if (g.n > 0) {
    body.append(el("image", { x: round(area.x), y: round(area.y), width: round(area.width), height: round(area.height), href: pointsDataUrl(parts) }));
  }
  for (const child of [...overlayClone(parts.svg, parts).childNodes]) body.append(child);

  // Axis labels: centred under the x axis and along the y axis.
  const [xLabel, yLabel] = axisLabels;
  const midX = left + area.x + area.width / 2;
  const midY = TITLE_BAND + area.y + area.height / 2;
  doc.append(text(xLabel, { x: round(midX), y: round(TITLE_BAND + height + AXIS_BAND / 2 + 2), "text-anchor": "middle", class: "axis-label" }));
  doc.append(text(yLabel, { x: 0, y: 0, "text-anchor": "middle", transform: `translate(${round(left - 4 - 24)},${round(midY)}) rotate(-90)`, class: "axis-label" }));

  const key = el("g", { class: "figure-legend", transform: `translate(8,${round(legendTop)})` });
  for (const e of placed) {
    const item = el("g", { transform: `translate(${round(e.x)},${e.row * LINE})` });
    // The class's shape when the plot draws shapes, else a swatch.
    if (e.shape) item.append(mark(e.shape, 5, LINE / 2 - 2, 5, e.color));
    else item.append(el("rect", { x: 0, y: LINE / 2 - 7, width: 10, height: 10, rx: 2, fill: e.color }));
    item.append(text(e.name, { x: 14, y: LINE / 2 - 2 }));
    key.append(item);
  }
  doc.append(key);
  captionLines.forEach((line, i) => {
    doc.append(text(line, { x: 8, y: round(captionTop + i * LINE + LINE / 2 - 2), fill: "#4b5563", class: "figure-caption" }));
  });
  return doc;
}

function text(content, attrs) {
  const node = el("text", { "font-family": FONT, "font-size": 11, fill: "#1f2328", "dominant-baseline": "middle", ...attrs });
  node.textContent = content;
  return node;
}

// ---- PNG -------------------------------------------------------------------------------------

async function pngBlob(doc) {
  const W = Number(doc.getAttribute("width"));
  const H = Number(doc.getAttribute("height"));
  const out = document.createElement("canvas");
  out.width = Math.round(W * PNG_SCALE);
  out.height = Math.round(H * PNG_SCALE);
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  const image = await svgImage(doc);
  ctx.drawImage(image, 0, 0, out.width, out.height);
  return new Promise((resolve, reject) =>
    out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("The browser could not encode the PNG"))), "image/png"),
  );
}

// An SVG drawn onto a canvas goes through an <img>; a blob: URL keeps the canvas untainted.
async function svgImage(svg) {
  const url = URL.createObjectURL(new Blob([serialise(svg)], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// The rest, then the selection on top, as on screen; within each, the plot's seeded random
// order (plot-geometry.js), so no class is painted over all others just for coming last. The
// colour is an attribute per mark for that reason (a group per colour would stack classes).
// Colours are the plot's own (its palette slot per row: class colours or a colour-by scale),
// and so are the shapes when the plot tells classes apart by shape (colour-blind readers,
// grey-scale print).
function points(parent, g, selection, area) {
  const mask = selection && selection.size > 0 ? selection.mask : null;
  const r = g.radius;
  const rest = el("g", { "fill-opacity": mask ? DIM_ALPHA : BASE_ALPHA });
  const chosen = el("g", { "fill-opacity": 1, "data-selected": "true" });
  const outlined = []; // the selected points' centres, outlined as on screen while few
  const order = shuffledOrder(g.n, g.n);
  for (const row of order) {
    const cx = g.x[row] * g.ax + g.bx;
    const cy = g.y[row] * g.ay + g.by;
    if (cx < -r || cy < -r || cx > area.width + r || cy > area.height + r) continue; // zoomed out of view
    const id = g.ids ? g.ids[row] : row;
    const selected = Boolean(mask && mask[id] === 1);
    const slot = g.color[row];
    const shape = g.shapes ? g.shapes[slot] : "disc";
    (selected ? chosen : rest).append(mark(shape, round(cx), round(cy), selected ? r * SELECTED_SCALE : r, g.slotColors[slot] || g.unknownColor));
    if (selected) outlined.push([round(cx), round(cy)]);
  }
  parent.append(rest, chosen);
  // A thin dark outline keeps a few selected points readable over the dimmed rest
  // (plot-marks.js outlineSelected; the plot leaves it out beyond OUTLINE_MAX points).
  if (outlined.length && outlined.length <= OUTLINE_MAX) {
    const outline = el("g", { class: "selected-outline", fill: "none", stroke: "#1b1f24", "stroke-opacity": 0.55, "stroke-width": 0.6 });
    for (const [cx, cy] of outlined) outline.append(el("circle", { cx, cy, r: round(r * SELECTED_SCALE) }));
    parent.append(outline);
  }
}

/**
 * One point as an SVG element, of the same area as on the canvas (point-layer.js): a disc, a
 * square, a diamond, or a ring (an annulus from 0.6 r to r).
 */
export function markAttributes(shape, cx, cy, r, fill) {
  switch (shape) {
    case "square": {
      const h = 0.886 * r;
      return ["rect", { x: round(cx - h), y: round(cy - h), width: round(2 * h), height: round(2 * h), fill, "data-shape": shape }];
    }
    case "diamond": {
      const h = 1.25 * r;
      const points = [[cx, cy - h], [cx + h, cy], [cx, cy + h], [cx - h, cy]].map(([x, y]) => `${round(x)},${round(y)}`).join(" ");
      return ["polygon", { points, fill, "data-shape": shape }];
    }
    case "ring":
      return ["circle", { cx, cy, r: round(0.8 * r), fill: "none", stroke: fill, "stroke-width": round(0.4 * r), "data-shape": shape }];
    default:
      return ["circle", { cx, cy, r: round(r), fill }];
  }
}

function mark(shape, cx, cy, r, fill) {
  const [name, attrs] = markAttributes(shape, cx, cy, r, fill);
  return el(name, attrs);
}

// Find's matches as on screen (plot-marks.js drawFound): a white ring under a magenta one,
// readable on any class colour. The first FOUND_RINGS_MAX only, as the plot draws them.
function foundRings(parent, g, area) {
  const rows = g.found;
  if (!rows?.length) return;
  const ring = g.radius + 3;
  const under = el("g", { class: "found-rings", fill: "none", stroke: "#ffffff", "stroke-width": 3 });
  const over = el("g", { class: "found-rings", fill: "none", stroke: "#d10069", "stroke-width": 1.5 });
  for (const row of rows) {
    const cx = g.x[row] * g.ax + g.bx;
    const cy = g.y[row] * g.ay + g.by;
    if (cx < -ring || cy < -ring || cx > area.width + ring || cy > area.height + ring) continue;
    const attrs = { cx: round(cx), cy: round(cy), r: round(ring), "data-found": "" };
    under.append(el("circle", attrs));
    over.append(el("circle", attrs));
  }
  parent.append(under, over);
}

function pointsDataUrl(parts) {
  const first = parts.canvases[0];
  const out = document.createElement("canvas");
  out.width = first.canvas.width;
  out.height = first.canvas.height;
  const ctx = out.getContext("2d");
  const sx = first.canvas.width / first.width;
  for (const c of parts.canvases) {
    ctx.drawImage(c.canvas, (c.x - first.x) * sx, (c.y - first.y) * sx, c.width * sx, c.height * sx);
  }
  return out.toDataURL("image/png");
}

// ---- shared ----------------------------------------------------------------------------------

/** The overlay without its interactive layers, computed styles as attributes, in CSS pixels. */
function overlayClone(svg, { width, height }) {
  const clone = svg.cloneNode(true);
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [clone, ...clone.querySelectorAll("*")];
  originals.forEach((node, i) => {
    const style = getComputedStyle(node);
    // Presentation attributes, not a style="" attribute: the page's CSP refuses those, and
    // any SVG reader honours these.
    for (const p of STYLE_PROPS) {
      const value = style.getPropertyValue(p);
      if (value) copies[i].setAttribute(p, value);
    }
    copies[i].removeAttribute("style"); // layout bits set by scripts; the attributes say it all
    if (style.display === "none" || style.visibility === "hidden") copies[i].setAttribute("data-hidden", "");
  });
  for (const node of clone.querySelectorAll(`${INTERACTIVE}, [data-hidden]`)) node.remove();
  clone.setAttribute("xmlns", SVG_NS);
  clone.setAttribute("width", round(width));
  clone.setAttribute("height", round(height));
  clone.removeAttribute("class");
  return clone;
}

function el(name, attrs = {}) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function serialise(node) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(node)}`;
}

const round = (v) => Math.round(v * 100) / 100;

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL; keep it a while for slow file dialogs.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The caption line of a figure: what the plot shows and how good the projection is over all
 * points (and the selection, when the iteration trained on one), as the metrics table says it.
 * metrics: the iteration's {all: {...}, selected?: {...}}; null while it is being measured.
 */
export function figureCaption({ iteration, nPoints, metrics, selected = 0, colouredBy = null }) {
  const f3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");
  const group = (m) =>
    `trustworthiness ${f3(m.trustworthiness)}, continuity ${f3(m.continuity)}, neighbourhood hit ${f3(m.neighborhood_hit)}, ` +
    `Shepard ρ ${f3(m.shepard)}, stress ${f3(m.stress)}`;
  const parts = [`Iteration ${iteration ?? "–"} · ${Number(nPoints || 0).toLocaleString("en")} points`];
  if (selected) parts.push(`${Number(selected).toLocaleString("en")} selected`);
  if (colouredBy) parts.push(`coloured by ${colouredBy}`);
  let line = `${parts.join(" · ")}.`;
  if (metrics?.all) line += ` All points: ${group(metrics.all)}.`;
  else line += " Metrics not measured yet.";
  if (metrics?.selected?.n_points) line += ` Selected: ${group(metrics.selected)}.`;
  return line;
}
