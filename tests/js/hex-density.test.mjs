// node --test tests/js: the density mode's binning (pure functions over typed arrays).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  binHexes,
  cellAt,
  cellCentre,
  hexGrid,
  overlapShare,
  pixelCells,
  rasterHexes,
} from "../../src/latent_explorer/web/static/js/hex-density.js";

const pack = (r, g, b) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;

test("every position falls in the cell whose centre is nearest (brute force over all centres)", () => {
  const grid = hexGrid(60, 50, 7);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = 0; t < 2000; t++) {
    const px = rand() * 60;
    const py = rand() * 50;
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < grid.cells; c++) {
      const [cx, cy] = cellCentre(grid, c);
      const d = (px - cx) ** 2 + (py - cy) ** 2;
      if (d < bestD - 1e-9) {
        bestD = d;
        best = c;
      }
    }
    const got = cellAt(grid, px, py);
    const [gx, gy] = cellCentre(grid, got);
    // Ties (a point on an edge) may go either way: equal distance is enough.
    assert.ok(Math.abs((px - gx) ** 2 + (py - gy) ** 2 - bestD) < 1e-9, `(${px}, ${py}) -> ${got}, nearest ${best}`);
  }
});

test("bins are sums: the same points in any order give the same counts and colours", () => {
  const grid = hexGrid(40, 40, 5);
  const palette = Uint32Array.from([pack(255, 0, 0), pack(0, 0, 255)]);
  const x = Float32Array.from([10, 10.5, 11, 30, 30]);
  const y = Float32Array.from([10, 10, 10.5, 30, 31]);
  const color = Uint16Array.from([0, 1, 1, 0, 0]);
  const common = { x, y, n: 5, color, palette, ax: 1, bx: 0, ay: 1, by: 0 };
  const a = binHexes(grid, common);
  const b = binHexes(grid, { ...common, rows: Int32Array.from([4, 2, 0, 3, 1]) });
  assert.deepEqual(Array.from(a.count), Array.from(b.count));
  assert.deepEqual(Array.from(a.red), Array.from(b.red));
  const c = cellAt(grid, 10, 10);
  assert.equal(a.count[c], 3);
  assert.equal(a.red[c], 255);
  assert.equal(a.blue[c], 510);
  assert.equal(a.max, 3);
  assert.equal(a.binned, 5);
});

test("raster: the crowded hexagon is the mean colour at full opacity, empty ones untouched", () => {
  const grid = hexGrid(20, 20, 6);
  const palette = Uint32Array.from([pack(200, 0, 0), pack(0, 0, 200)]);
  const x = Float32Array.from([5, 5, 15]);
  const y = Float32Array.from([5, 5, 15]);
  const acc = binHexes(grid, { x, y, n: 3, color: Uint16Array.from([0, 1, 0]), palette, ax: 1, bx: 0, ay: 1, by: 0 });
  const cells = pixelCells(grid, 20, 20);
  const white = pack(255, 255, 255);
  const pixels = new Uint32Array(400).fill(white);
  rasterHexes(pixels, cells, acc, { alpha: 1, minAlpha: 0.25 });
  // Pixel (5, 5) is in the two-point hexagon: mean of red and blue = (100, 0, 100), opacity 1.
  assert.equal(pixels[5 * 20 + 5], pack(100, 0, 100));
  const empty = pixels.findIndex((_, i) => acc.count[cells[i]] === 0);
  assert.ok(empty >= 0);
  assert.equal(pixels[empty], white);
});

test("overlap share: separate points 0, stacked points close to 1", () => {
  const geom = { ax: 1, bx: 0, ay: 1, by: 0 };
  const spread = { x: Float32Array.from([1, 11, 21, 31]), y: Float32Array.from([1, 1, 1, 1]), n: 4, ...geom };
  assert.equal(overlapShare(spread, 40, 10, 4), 0);
  const stacked = { x: new Float32Array(100).fill(5), y: new Float32Array(100).fill(5), n: 100, ...geom };
  assert.equal(overlapShare(stacked, 40, 10, 4), 0.99);
});
