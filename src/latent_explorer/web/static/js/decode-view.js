// "Decode under the cursor": while the pointer rests on empty space in a plot (no point within
// the hover radius), a small floating box shows what that plot's decoder makes of the latent
// position: the image for image data, or for tabular data the decoded feature profile against
// the dataset mean (bars in standard deviations, numbers in raw units).
//
// One request is in flight at a time and the latest position wins: moves made meanwhile only
// replace the pending position, which is asked for when the answer arrives. The PCA plot has
// no decoder, so it is not probed.
//
//   const decode = createDecodeView({root, state, session, plots});
//   decode.on("change", ({shown}) => ...);

import { d3 } from "./d3.js";
import { api } from "./api.js";
import { createEmitter } from "./emitter.js";
import { drawPixels } from "./images.js";
import { formatValue } from "./format.js";
import { placeNear } from "./tooltip.js";

const MAX_BARS = 16; // more features than this: the ones furthest from the mean
const CHART = { width: 300, row: 15, head: 14, label: 96, bars: 92, value: 58, clip: 3 };

/** Decoded model-unit vectors as raw values and standard deviations from the mean. */
export function profileOf(values, stats) {
  return values.map((v, j) => {
    const raw = stats.feature_scale && stats.feature_mean ? v * stats.feature_scale[j] + stats.feature_mean[j] : v;
    const mean = stats.mean_raw[j];
    const sd = stats.std_raw[j];
    return { name: stats.feature_names[j], raw, mean, z: sd > 0 ? (raw - mean) / sd : 0 };
  });
}

export function createDecodeView({ root, state, session, plots }) {
  const emitter = createEmitter();
  const el = d3.select(root);
  let probe = null; // the position wanted now: {x, y, iteration, plot, clientX, clientY}
  let pending = null; // the latest position not asked for yet
  let inFlight = false;
  let shown = false;
  let statsPromise = null; // feature_stats of the shown experiment (tabular data)

  function setShown(next) {
    if (next === shown) return;
    shown = next;
    emitter.emit("change", { shown });
  }

  function hide() {
    probe = null;
    pending = null;
    root.hidden = true;
    setShown(false);
  }

  function stats(id) {
    if (!statsPromise) {
      statsPromise = api.featureStats(id);
      statsPromise.catch(() => (statsPromise = null));
    }
    return statsPromise;
  }

  async function pump() {
    if (inFlight || !pending) return;
    const p = pending;
    pending = null;
    inFlight = true;
    const mine = session.token;
    try {
      const exp = state.get().experiment;
      if (!exp) return;
      const [answer, featureStats] = await Promise.all([
        api.decode(exp.id, p.iteration, [[p.x, p.y]]),
        exp.dataset.kind === "image" ? null : stats(exp.id),
      ]);
      // Drawn even if the pointer moved on: it is near, and the next answer follows at once.
      if (session.isCurrent(mine) && probe) render(p, answer, featureStats);
    } catch {
      // A failed probe is not worth a banner: the next move asks again.
    } finally {
      inFlight = false;
      if (pending) pump();
    }
  }

  function render(p, answer, featureStats) {
    el.selectAll("*").remove();
    const head = el.append("div").attr("class", "decode-head");
    head.append("strong").text("Decoder");
    head.append("span").attr("class", "decode-where").text(`(${formatValue(round(p.x))}, ${formatValue(round(p.y))}) · it. ${p.iteration}`);
    if (answer.images) {
      el.attr("data-kind", "image");
      const canvas = el.append("canvas").attr("class", "decode-image pixelated").node();
      drawPixels(canvas, answer.images[0], answer.shape);
    } else {
      el.attr("data-kind", "tabular");
      barChart(profileOf(answer.values[0], featureStats));
    }
    root.hidden = false;
    placeNear(root, probe.clientX, probe.clientY);
    setShown(true);
  }

  function barChart(profile) {
    const rows = profile.length > MAX_BARS
      ? [...profile].sort((a, b) => Math.abs(b.z) - Math.abs(a.z)).slice(0, MAX_BARS)
      : profile;
    const { width, row, head, label, bars, value, clip } = CHART;
    const height = head + rows.length * row + 4;
    const x = d3.scaleLinear().domain([-clip, clip]).range([label, label + bars]).clamp(true);
    const svg = el.append("svg").attr("class", "decode-bars").attr("width", width).attr("height", height).attr("viewBox", `0 0 ${width} ${height}`);
    const valueX = label + bars + 6;
    svg.append("text").attr("class", "decode-col").attr("x", x(0)).attr("y", head - 4).attr("text-anchor", "middle").text("below · above");
    svg.append("text").attr("class", "decode-col").attr("x", valueX).attr("y", head - 4).text("decoded");
    svg.append("text").attr("class", "decode-col").attr("x", valueX + value).attr("y", head - 4).text("mean");
    svg.append("line").attr("class", "decode-mean").attr("x1", x(0)).attr("x2", x(0)).attr("y1", head).attr("y2", height);
    const g = svg
      .selectAll("g.decode-row")
      .data(rows)
      .join("g")
      .attr("class", "decode-row")
      .attr("transform", (_, i) => `translate(0,${head + i * row + 2})`);
    g.append("title").text((d) => `${d.name}: decoded ${formatValue(d.raw)}, dataset mean ${formatValue(d.mean)} (${signed(d.z)} SD)`);
    g.append("text").attr("class", "decode-name").attr("x", label - 6).attr("y", row - 4).text((d) => truncate(d.name, 16));
    g.append("rect")
      .attr("class", (d) => (d.z >= 0 ? "decode-bar above" : "decode-bar below"))
      .attr("x", (d) => Math.min(x(0), x(d.z)))
      .attr("width", (d) => Math.max(1, Math.abs(x(d.z) - x(0))))
      .attr("y", 2)
      .attr("height", row - 5);
    g.append("text").attr("class", "decode-value").attr("x", valueX).attr("y", row - 4).text((d) => formatValue(round(d.raw)));
    g.append("text").attr("class", "decode-value decode-avg").attr("x", valueX + value).attr("y", row - 4).text((d) => formatValue(round(d.mean)));
    el.append("p")
      .attr("class", "decode-caption")
      .text(
        `Bars: decoded minus mean, in standard deviations (±${clip} shown). Values in raw units.` +
          (profile.length > rows.length ? ` ${rows.length} of ${profile.length} features, furthest from the mean.` : ""),
      );
  }

  for (const plot of Object.values(plots)) {
    plot.on("probe", (p) => {
      if (!p || p.plot === "pca" || p.iteration === null || p.iteration === undefined || !state.get().experiment) {
        hide();
        return;
      }
      probe = p;
      pending = p;
      if (shown) placeNear(root, p.clientX, p.clientY);
      pump();
    });
  }
  session.on("reset", () => {
    statsPromise = null;
    hide();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });

  return { on: emitter.on, hide, shown: () => shown };
}

function round(v) {
  return Number(v.toPrecision(3));
}

function signed(v) {
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}`;
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
