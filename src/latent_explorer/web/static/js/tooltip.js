// The hover tooltip: one floating box for the whole page, filled with DOM nodes built from
// text (never HTML strings), placed next to the pointer and kept inside the window.

import { d3 } from "./d3.js";
import { formatValue } from "./format.js";
import { drawPixels } from "./images.js";

const OFFSET = 14;

/** Put a fixed-position box beside the pointer, flipped to the other side near an edge. */
export function placeNear(node, clientX, clientY) {
  const { width, height } = node.getBoundingClientRect();
  let left = clientX + OFFSET;
  let top = clientY + OFFSET;
  if (left + width > window.innerWidth - 4) left = clientX - OFFSET - width;
  if (top + height > window.innerHeight - 4) top = clientY - OFFSET - height;
  node.style.left = `${Math.max(4, left)}px`;
  node.style.top = `${Math.max(4, top)}px`;
}

export function createTooltip(root) {
  const el = d3.select(root);

  const place = (clientX, clientY) => placeNear(root, clientX, clientY);

  return {
    /**
     * point: {id, className, color, features?: [[name, value]], attributes?: [[name, value]],
     * pixels?, shape?, loading?}
     */
    show(point, clientX, clientY) {
      el.selectAll("*").remove();
      const head = el.append("div").attr("class", "tooltip-head");
      head.append("span").attr("class", "legend-swatch").style("background-color", point.color);
      head.append("strong").text(point.className);
      head.append("span").attr("class", "tooltip-id").text(`id ${point.id}`);

      if (point.pixels && point.shape) {
        const canvas = el.append("canvas").attr("class", "tooltip-image pixelated").node();
        drawPixels(canvas, point.pixels, point.shape);
      }
      const rows = [...(point.features || []), ...(point.attributes || [])];
      if (rows.length) {
        const table = el.append("table").attr("class", "tooltip-table");
        const tr = table.selectAll("tr").data(rows).join("tr");
        // Long feature names are cut off by the table's width: the full name is the title.
        tr.append("th").attr("title", (d) => d[0]).text((d) => d[0]);
        tr.append("td").text((d) => formatValue(d[1]));
      }
      if (point.loading) el.append("div").attr("class", "tooltip-loading").text("loading…");
      root.hidden = false;
      if (clientX !== undefined) place(clientX, clientY);
    },
    move(clientX, clientY) {
      if (!root.hidden) place(clientX, clientY);
    },
    hide() {
      root.hidden = true;
    },
  };
}
