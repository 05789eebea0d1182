// Images: draw uint8 grey pixels on a canvas, and the reconstructions panel of image data
// sets (original, before = parent iteration, after = iteration K) for a small fixed sample
// of the points trained on and of the rest (the same points at every iteration).

import { d3 } from "./d3.js";
import { api } from "./api.js";

const PER_GROUP = 8;

/** Paint a flat array of 0..255 grey values (row-major, shape [h, w]) at 1 pixel per value;
 * CSS scales the canvas up with `image-rendering: pixelated`. */
export function drawPixels(canvas, pixels, shape) {
  const [h, w] = shape;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    // Ink is dark on light paper: invert so digits read like handwriting.
    const v = 255 - (pixels[i] | 0);
    image.data[4 * i] = v;
    image.data[4 * i + 1] = v;
    image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

export function createImagesPanel(root, { onError } = {}) {
  const el = d3.select(root);
  let token = 0; // ignore answers that arrive after a newer request

  function clear() {
    token++;
    el.selectAll("*").remove();
    root.hidden = true;
  }

  /**
   * view: {experimentId, nPoints, parent (iteration or null), current (iteration),
   * trainedIds (array or null), classNames}
   */
  async function show(view) {
    const mine = ++token;
    const { experimentId, nPoints, parent, current, trainedIds } = view;
    const trained = trainedIds ? new Set(trainedIds) : null;
    const groups = [];
    if (trained) {
      const rest = d3.range(nPoints).filter((i) => !trained.has(i));
      groups.push({ title: "Selected (trained on)", total: trained.size, ids: sortedSample(trainedIds) });
      groups.push({ title: "Rest", total: rest.length, ids: sortedSample(rest) });
    } else {
      groups.push({ title: "Sample of all points", total: nPoints, ids: sortedSample(d3.range(nPoints)) });
    }
    const ids = groups.flatMap((g) => g.ids);
    if (!ids.length) return clear();

    let before = null;
    let after;
    try {
      [after, before] = await Promise.all([
        api.reconstructions(experimentId, current, ids),
        parent !== null && parent !== undefined ? api.reconstructions(experimentId, parent, ids) : null,
      ]);
    } catch (err) {
      if (mine === token) onError?.(err);
      return;
    }
    if (mine !== token) return;
    render(groups, view, after, before);
  }

  function render(groups, view, after, before) {
    el.selectAll("*").remove();
    root.hidden = false;
    const head = el.append("div").attr("class", "panel-head");
    head.append("h2").text("Reconstructions");
    head
      .append("p")
      .attr("class", "note")
      .text(
        before
          ? `Original image, the reconstruction before (iteration ${view.parent}) and after (iteration ${view.current}).`
          : `Original image and its reconstruction by iteration ${view.current}.`,
      );

    const rowOf = new Map(after.ids.map((id, i) => [id, i]));
    const rows = [{ label: "Original", source: after.original }];
    if (before) rows.push({ label: `Before · it. ${view.parent}`, source: before.reconstruction });
    rows.push({ label: before ? `After · it. ${view.current}` : `It. ${view.current}`, source: after.reconstruction });

    const wrap = el.append("div").attr("class", "image-groups");
    for (const group of groups) {
      if (!group.ids.length) continue;
      const g = wrap.append("div").attr("class", "image-group").attr("data-group", group.title);
      g.append("h3").text(`${group.title} · ${group.ids.length} of ${d3.format(",")(group.total)}`);
      const table = g.append("table").attr("class", "image-table");
      const idRow = table.append("tr");
      idRow.append("th").text("id");
      for (const id of group.ids) {
        const label = view.classNames?.[view.labels?.[id]];
        idRow
          .append("td")
          .attr("class", "image-id")
          .text(label !== undefined ? `${id} · ${label}` : String(id));
      }
      for (const row of rows) {
        const tr = table.append("tr");
        tr.append("th").attr("scope", "row").text(row.label);
        for (const id of group.ids) {
          const canvas = tr
            .append("td")
            .append("canvas")
            .attr("class", "pixelated recon")
            .attr("data-id", id)
            .node();
          drawPixels(canvas, row.source[rowOf.get(id)], after.shape);
        }
      }
    }
  }

  return { show, clear };
}

// The same points at every iteration: each id gets a fixed pseudo-random rank (a hash of the
// id), and a group shows its PER_GROUP lowest-ranked points. Iteration 5's "before" and "after"
// can then be compared with iteration 1's, and a point that is in two groups' pools is picked
// in both. (A sample seeded by the iteration showed other digits every time.)
export function stableSample(ids, count = PER_GROUP) {
  const ranked = Array.from(ids, (id) => [hashId(id), id]);
  ranked.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return ranked
    .slice(0, count)
    .map(([, id]) => id)
    .sort((a, b) => a - b);
}

function hashId(id) {
  let h = Math.imul((id | 0) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sortedSample(ids) {
  return stableSample(ids, PER_GROUP);
}
