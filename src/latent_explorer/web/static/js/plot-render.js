// A scatterplot's picture: its size (layout: a square that fits the plot's body, the canvas at
// the screen's pixel density), the scales from data to pixels (equal units on both axes, then
// the zoom), and the frame drawn at most once per animation frame: axes, the points with their
// layers (plot-paint.js) and the hover ring.
//
// scatterplot.js owns what is drawn; `current()` hands it over at each frame:
// {data, palette, shapes, mask, densityMode, marks, rowOf, found, hoverIndex}.

import { d3 } from "./d3.js";
import { frameOf, linear } from "./plot-geometry.js";
import { shapesFor, zoomedRadius } from "./plot-paint.js";
import { pixelOf } from "./plot-palette.js";
import { packColor } from "./point-layer.js";

const MARGIN = { top: 8, right: 10, bottom: 24, left: 38 };
const formatCount = d3.format(",");

/**
 * dom: {root, container, body, canvas, svg, xAxisG, yAxisG, inner, zoomSurface, hoverRing};
 * layer: point-layer.js; under: plot-underlay.js; painter: plot-paint.js; motion:
 * plot-motion.js; header: plot-header.js; emit: the plot's emitter.emit; onResize(width,
 * height): the plot area changed (the brush and lasso follow); gesture(): the last brush or
 * lasso, for the stats.
 */
export function createPlotRenderer({ dom, layer, under, painter, motion, header, emit, current, onResize, gesture }) {
  const { root, container, body, canvas, svg, xAxisG, yAxisG, inner, zoomSurface, hoverRing } = dom;
  let width = 0; // inner plot area in CSS pixels
  let height = 0;
  let dpr = 1; // device pixels per CSS pixel of the canvas as laid out
  let background = packColor(255, 255, 255);
  let transform = d3.zoomIdentity;
  let frame = 0;
  let axesKey = "";
  let stats = { iteration: null, pointsDrawn: 0, visiblePoints: 0, gesture: null };
  let dense = false; // the last frame was drawn as density
  const baseX = d3.scaleLinear();
  const baseY = d3.scaleLinear();
  let zx = baseX;
  let zy = baseY;

  function layout() {
    const box = body.node().getBoundingClientRect();
    const size = Math.floor(Math.min(box.width, box.height || box.width));
    if (size <= 0) return;
    const w = Math.max(10, size - MARGIN.left - MARGIN.right);
    const h = Math.max(10, size - MARGIN.top - MARGIN.bottom);
    const ratio = window.devicePixelRatio || 1;
    if (w === width && h === height && ratio === dpr) return;
    width = w;
    height = h;
    dpr = ratio;
    background = cssBackground(root);
    svg.attr("width", size).attr("height", size).attr("viewBox", `0 0 ${size} ${size}`);
    const cw = Math.round(width * dpr);
    const ch = Math.round(height * dpr);
    canvas
      .attr("width", cw)
      .attr("height", ch)
      .style("left", `${MARGIN.left}px`)
      .style("top", `${MARGIN.top}px`)
      .style("width", `${width}px`)
      .style("height", `${height}px`);
    layer.resize(cw, ch);
    under.invalidate();
    inner.attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
    zoomSurface.attr("width", width).attr("height", height);
    xAxisG.attr("transform", `translate(${MARGIN.left},${MARGIN.top + height})`);
    yAxisG.attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
    onResize(width, height);
    updateBaseScales();
    schedule();
    emit("view");
  }

  // Equal units on both axes, so distances in the picture are distances in the latent space.
  function updateBaseScales() {
    const { data } = current();
    setBase(data?.n ? frameOf(data.x, data.y) : { cx: 0, cy: 0, half: 1.06 });
  }

  function setBase({ cx, cy, half }) {
    baseX.domain([cx - half, cx + half]).range([0, width]);
    baseY.domain([cy - half, cy + half]).range([height, 0]);
    zx = transform.rescaleX(baseX);
    zy = transform.rescaleY(baseY);
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function draw() {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if ((window.devicePixelRatio || 1) !== dpr) layout(); // moved to a screen of another density
    const now = current();
    const { data } = now;
    if (motion.running) motion.step(data); // before the axes: the window moves with the points
    if (!width) return stats;
    drawAxes();
    const underPixels = under.pixels({ zx, zy, dpr, width: layer.width, height: layer.height, background });

    const n = data ? data.n : 0;
    let visible = 0;
    if (!n) {
      layer.ctx.clearRect(0, 0, layer.width, layer.height);
    } else {
      // Device-pixel position = value * a + b, the zoomed scales folded into two numbers.
      const [ax, bx] = linear(zx, dpr);
      const [ay, by] = linear(zy, dpr);
      ({ visible, dense } = painter.paint({
        ...now,
        ...motion.positions(data),
        shapes: now.shapes ? shapesFor(now.palette.length) : null,
        ax,
        bx,
        ay,
        by,
        k: transform.k,
        dpr,
        width,
        height,
        underPixels,
        background,
      }));
    }
    positionHoverRing();

    stats = { iteration: data ? data.iteration : null, pointsDrawn: n, visiblePoints: visible, gesture: gesture(), density: dense };
    container.attr("data-points", n).attr("data-visible", visible).attr("data-density", dense ? "on" : "off");
    header.setCount(n ? `${formatCount(n)} points` : "");
    emit("draw", stats);
    return stats;
  }

  // Axes are SVG: rebuild them only when the scales changed, not on every selection redraw.
  function drawAxes() {
    const key = `${zx.domain()}|${zy.domain()}|${width}|${height}`;
    if (key === axesKey) return;
    axesKey = key;
    const ticks = Math.max(3, Math.round(width / 80));
    xAxisG.call(d3.axisBottom(zx).ticks(ticks).tickSizeOuter(0));
    yAxisG.call(d3.axisLeft(zy).ticks(ticks).tickSizeOuter(0));
  }

  function positionHoverRing() {
    const { data, hoverIndex } = current();
    if (!data || hoverIndex < 0) {
      hoverRing.style("display", "none");
      return;
    }
    const xy = motion.positions(data);
    const x = zx(xy.x[hoverIndex]);
    const y = zy(xy.y[hoverIndex]);
    const inside = x >= 0 && x <= width && y >= 0 && y <= height;
    hoverRing
      .style("display", inside ? null : "none")
      .attr("cx", x)
      .attr("cy", y)
      .attr("r", zoomedRadius(data.n, transform.k) + 4);
  }

  return {
    layout,
    schedule,
    draw,
    positionHoverRing,
    updateBaseScales,
    setBase,
    /** The zoom moved: the scales follow. */
    setTransform(next) {
      transform = next;
      zx = transform.rescaleX(baseX);
      zy = transform.rescaleY(baseY);
      schedule();
    },
    get zx() {
      return zx;
    },
    get zy() {
      return zy;
    },
    get width() {
      return width;
    },
    get height() {
      return height;
    },
    get dpr() {
      return dpr;
    },
    /** The radius of a point in CSS pixels at the zoom now. */
    radius: (n) => zoomedRadius(n, transform.k),
    stats: () => stats,
  };
}

// The canvas is painted opaque in the colour of the panel behind it (white if transparent).
function cssBackground(el) {
  let node = el;
  while (node && node.nodeType === 1) {
    const c = d3.color(getComputedStyle(node).backgroundColor);
    if (c && c.opacity > 0) return pixelOf(c.formatRgb());
    node = node.parentNode;
  }
  return packColor(255, 255, 255);
}
