// Honest density for crowded plots, as pure functions over typed arrays (no DOM; node --test):
//
//   overlapShare(...)  how crowded the picture is: the share of points that land on a spot
//                      (one point diameter across) that an earlier point already covers.
//   binHexes(...)      counts and the summed colour of the points per hexagon of a pointy-top
//                      grid (the layout d3-hexbin uses: columns dx = r * sqrt(3) apart, rows
//                      1.5 r apart, odd rows shifted by dx / 2), in device pixels.
//   rasterHexes(...)   paints the hexagons into a 32-bit pixel buffer: each hexagon in the mean
//                      colour of its points (so classes that share a place mix, whichever came
//                      first) at an opacity that grows with log(count).
//
// Everything is a sum, so the picture does not depend on the order of the points: draw order
// never decides which class is visible. 70,000 points bin in about a millisecond.

const SQRT3 = Math.sqrt(3);

/** The hex grid covering a width x height pixel area with hexagons of circumradius r. */
export function hexGrid(width, height, r) {
  const dx = r * SQRT3;
  const dy = r * 1.5;
  const cols = Math.ceil(width / dx) + 2;
  const rows = Math.ceil(height / dy) + 2;
  return { r, dx, dy, cols, rows, cells: cols * rows, width, height };
}

/**
 * The cell index of pixel position (px, py), or -1 outside the grid: the nearest centre, found
 * among the two rows around py (a hexagon reaches r above and below its centre, less than the
 * 1.5 r between rows, so no other row can be nearer).
 */
export function cellAt(grid, px, py) {
  const { dx, dy, cols, rows } = grid;
  const j0 = Math.floor(py / dy);
  let best = -1;
  let bestD = Infinity;
  for (let pj = j0; pj <= j0 + 1; pj++) {
    const shift = (pj & 1) / 2;
    const pi = Math.round(px / dx - shift);
    const ex = px - (pi + shift) * dx;
    const ey = py - pj * dy;
    const dist = ex * ex + ey * ey;
    // One cell of margin on every side: points half a hexagon outside still count.
    const col = pi + 1;
    const row = pj + 1;
    if (dist < bestD && col >= 0 && row >= 0 && col < cols && row < rows) {
      bestD = dist;
      best = row * cols + col;
    }
  }
  return best;
}

/** The centre of cell c in pixels. */
export function cellCentre(grid, c) {
  const row = Math.floor(c / grid.cols);
  const col = c - row * grid.cols;
  const pj = row - 1;
  const pi = col - 1;
  return [(pi + (pj & 1) / 2) * grid.dx, pj * grid.dy];
}

/**
 * Bin points (device-pixel position x * ax + bx, y * ay + by) into the grid. `rows` (optional
 * Int32Array) limits the points; `color[i]` is a slot of `palette` (packed 0xAABBGGRR).
 * Returns {count: Uint32Array, red, green, blue: Float64Array (sums), max, binned}.
 */
export function binHexes(grid, { x, y, n, rows = null, color, palette, ax, bx, ay, by }, out = null) {
  const cells = grid.cells;
  const acc =
    out && out.count.length === cells
      ? out
      : { count: new Uint32Array(cells), red: new Float64Array(cells), green: new Float64Array(cells), blue: new Float64Array(cells) };
  acc.count.fill(0);
  acc.red.fill(0);
  acc.green.fill(0);
  acc.blue.fill(0);
  let max = 0;
  let binned = 0;
  const m = rows === null ? n : rows.length;
  for (let j = 0; j < m; j++) {
    const i = rows === null ? j : rows[j];
    const c = cellAt(grid, x[i] * ax + bx, y[i] * ay + by);
    if (c < 0) continue;
    const p = palette[color[i]];
    acc.red[c] += p & 0xff;
    acc.green[c] += (p >>> 8) & 0xff;
    acc.blue[c] += (p >>> 16) & 0xff;
    const k = ++acc.count[c];
    if (k > max) max = k;
    binned++;
  }
  acc.max = max;
  acc.binned = binned;
  return acc;
}

/**
 * The cell of every pixel centre of a width x height buffer (-1: none), computed once per
 * grid and reused by every redraw at that size.
 */
export function pixelCells(grid, width, height) {
  const cells = new Int32Array(width * height);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) cells[py * width + px] = cellAt(grid, px + 0.5, py + 0.5);
  }
  return cells;
}

/**
 * Blend each pixel with its hexagon's mean colour at opacity minAlpha + (1 - minAlpha) *
 * log(1 + count) / log(1 + max), times `alpha`. Pixels are opaque 0xAABBGGRR words.
 */
export function rasterHexes(pixels, cellsOfPixel, acc, { alpha = 1, minAlpha = 0.25 } = {}) {
  const cells = acc.count.length;
  const colour = new Uint32Array(cells);
  const weight = new Int32Array(cells); // opacity in 1/128 steps, as in point-layer.js
  const scale = acc.max > 0 ? 1 / Math.log1p(acc.max) : 0;
  for (let c = 0; c < cells; c++) {
    const k = acc.count[c];
    if (!k) continue;
    const r = Math.round(acc.red[c] / k);
    const g = Math.round(acc.green[c] / k);
    const b = Math.round(acc.blue[c] / k);
    colour[c] = (b << 16) | (g << 8) | r;
    weight[c] = Math.round((minAlpha + (1 - minAlpha) * Math.log1p(k) * scale) * alpha * 128);
  }
  for (let p = 0; p < pixels.length; p++) {
    const c = cellsOfPixel[p];
    if (c < 0) continue;
    const w = weight[c];
    if (!w) continue;
    const s = colour[c];
    const d = pixels[p];
    const iw = 128 - w;
    pixels[p] =
      0xff000000 |
      ((((s & 0xff00ff) * w + (d & 0xff00ff) * iw) >> 7) & 0xff00ff) |
      ((((s & 0xff00) * w + (d & 0xff00) * iw) >> 7) & 0xff00);
  }
}

/**
 * The share of points (0..1) whose spot (a square cell one point diameter across) an earlier
 * point already took: 0 for a sparse plot, close to 1 when most points hide under others.
 */
export function overlapShare({ x, y, n, ax, bx, ay, by }, width, height, diameter) {
  const d = Math.max(1, diameter);
  const cols = Math.ceil(width / d);
  const rows = Math.ceil(height / d);
  const seen = new Uint8Array(cols * rows);
  let inside = 0;
  let hidden = 0;
  for (let i = 0; i < n; i++) {
    const cx = Math.floor((x[i] * ax + bx) / d);
    const cy = Math.floor((y[i] * ay + by) / d);
    if (cx < 0 || cy < 0 || cx >= cols || cy >= rows) continue;
    inside++;
    const k = cy * cols + cx;
    if (seen[k]) hidden++;
    else seen[k] = 1;
  }
  return inside ? hidden / inside : 0;
}
