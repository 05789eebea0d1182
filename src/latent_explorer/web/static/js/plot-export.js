// A plot as a file, drawn in the page from what the plot shows now (zoom included):
//   PNG: the point canvas(es) and the SVG overlay (axes, and whatever else is drawn there)
//        composed into one canvas, at the canvas's own resolution, under a title line.
//   SVG: a standalone document: points as <circle>s while there are at most 20,000 of them
//        (beyond that the file would be tens of MB: the canvas goes in as one <image>), then
//        the overlay with its computed styles written as attributes (the page's CSS stays home).
// Interactive layers (zoom surface, hover ring, brush, lasso) are left out of both.
// Every text (titles, tick labels) is set with textContent and serialised by XMLSerializer,
// so a dataset or class name cannot become markup in the file.
//
//   await exportPlot(plot, {format: "png", filename, title, selection});

const MAX_CIRCLES = 20_000;
const TITLE_BAND = 26; // CSS px above the plot for the title line
const SVG_NS = "http://www.w3.org/2000/svg";
const INTERACTIVE = ".zoom-surface, .hover-ring, .brush-layer, .lasso-layer";
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
// The scatterplot's look (scatterplot.js): dimmed rest while a selection exists, selected on top.
const BASE_ALPHA = 0.8;
const DIM_ALPHA = 0.2;
const SELECTED_SCALE = 1.15;

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
export async function exportPlot(plot, { format, filename, title = "", selection = null }) {
  const parts = partsOf(plot.node());
  const blob = format === "svg" ? svgBlob(plot, parts, title, selection) : await pngBlob(parts, title);
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
  return { svg, width: box.width, height: box.height, canvases };
}

// ---- PNG -------------------------------------------------------------------------------------

async function pngBlob(parts, title) {
  // The points' own resolution: more pixels would only enlarge them, not sharpen them.
  const first = parts.canvases[0];
  const scale = first && first.width ? first.canvas.width / first.width : window.devicePixelRatio || 1;
  const out = document.createElement("canvas");
  out.width = Math.round(parts.width * scale);
  out.height = Math.round((parts.height + TITLE_BAND) * scale);
  const ctx = out.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, parts.width, parts.height + TITLE_BAND);
  ctx.fillStyle = "#1f2328";
  ctx.font = `600 13px ${FONT}`;
  ctx.textBaseline = "middle";
  ctx.fillText(title, 8, TITLE_BAND / 2, parts.width - 16);
  for (const c of parts.canvases) ctx.drawImage(c.canvas, c.x, TITLE_BAND + c.y, c.width, c.height);
  const overlay = await svgImage(overlayClone(parts.svg, parts));
  ctx.drawImage(overlay, 0, TITLE_BAND, parts.width, parts.height);
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

// ---- SVG -------------------------------------------------------------------------------------

function svgBlob(plot, parts, title, selection) {
  const { width, height } = parts;
  const doc = el("svg", {
    xmlns: SVG_NS,
    width: round(width),
    height: round(height + TITLE_BAND),
    viewBox: `0 0 ${round(width)} ${round(height + TITLE_BAND)}`,
  });
  doc.append(el("rect", { width: "100%", height: "100%", fill: "#ffffff" }));
  const heading = el("text", { x: 8, y: TITLE_BAND / 2, "dominant-baseline": "middle", "font-family": FONT, "font-size": 13, "font-weight": 600, fill: "#1f2328" });
  heading.textContent = title;
  doc.append(heading);
  const body = el("g", { transform: `translate(0,${TITLE_BAND})` });
  doc.append(body);

  const g = plot.geometry();
  const area = parts.canvases[0] || { x: 0, y: 0, width, height };
  if (g.n > 0 && g.n <= MAX_CIRCLES) {
    const clip = el("clipPath", { id: "plot-area" });
    clip.append(el("rect", { x: round(area.x), y: round(area.y), width: round(area.width), height: round(area.height) }));
    const defs = el("defs");
    defs.append(clip);
    body.append(defs);
    const points = el("g", { "clip-path": "url(#plot-area)", transform: `translate(${round(area.x)},${round(area.y)})` });
    circles(points, g, selection, area);
    body.append(points);
  } else if (g.n > 0) {
    body.append(el("image", { x: round(area.x), y: round(area.y), width: round(area.width), height: round(area.height), href: pointsDataUrl(parts) }));
  }
  for (const child of [...overlayClone(parts.svg, parts).childNodes]) body.append(child);
  return new Blob([serialise(doc)], { type: "image/svg+xml" });
}

// One <g> per colour and emphasis holds its circles, so a colour is written once, not per point.
function circles(parent, g, selection, area) {
  const mask = selection && selection.size > 0 ? selection.mask : null;
  const r = g.radius;
  const groups = new Map();
  const group = (color, selected) => {
    const key = `${color}|${selected}`;
    if (!groups.has(key)) {
      const node = el("g", { fill: color, "fill-opacity": selected ? 1 : mask ? DIM_ALPHA : BASE_ALPHA });
      if (selected) node.setAttribute("data-selected", "true");
      groups.set(key, node);
    }
    return groups.get(key);
  };
  const colorOf = (row) => {
    const c = g.labels[row];
    return (c >= 0 && g.colors[c]) || g.unknownColor;
  };
  for (let row = 0; row < g.n; row++) {
    const cx = g.x[row] * g.ax + g.bx;
    const cy = g.y[row] * g.ay + g.by;
    if (cx < -r || cy < -r || cx > area.width + r || cy > area.height + r) continue; // zoomed out of view
    const id = g.ids ? g.ids[row] : row;
    const selected = Boolean(mask && mask[id] === 1);
    group(colorOf(row), selected).append(el("circle", { cx: round(cx), cy: round(cy), r: round(selected ? r * SELECTED_SCALE : r) }));
  }
  // Rest first, selected on top, as on screen.
  const ordered = [...groups.values()].sort((a, b) => a.hasAttribute("data-selected") - b.hasAttribute("data-selected"));
  for (const node of ordered) parent.append(node);
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
