// Paints scatterplot points into one ImageData buffer, then hands it to the canvas once.
//
// Why not canvas paths: tens of thousands of arc()s (even batched into one path per colour)
// cost Chromium's software rasteriser far more than writing a few pixels per point ourselves.
// Each point is a small anti-aliased disc "sprite": a precomputed list of pixel offsets and
// coverage weights, blended source-over into an opaque buffer (the plot's background colour),
// so overlapping translucent points still darken dense regions as canvas alpha would.
//
//   const layer = createPointLayer(canvasNode);
//   layer.resize(deviceWidth, deviceHeight);
//   layer.clear(bgPixel);     // or layer.clearFrom(pixels): an opaque picture underneath
//   layer.paint({...});      // any number of passes (dimmed rest first, selection on top)
//   layer.flush();           // one putImageData

// Pixels are written through a Uint32Array view of the RGBA bytes; every browser that runs this
// page is little-endian, where that word reads 0xAABBGGRR.
export function packColor(r, g, b) {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

const MAX_SPRITES = 96; // zooming changes the radius continuously; keep the cache bounded
// Opacity in 1/128 steps: red and blue blended in one word (0x00RR00BB * 128 < 2^31) stay in
// 32-bit integer arithmetic, which is markedly faster in V8 than the doubles 1/256 would need.
const ONE = 128;

export function createPointLayer(canvas) {
  const ctx = canvas.getContext("2d");
  let image = null;
  let pixels = new Uint32Array(0);
  let W = 0;
  let H = 0;
  const sprites = new Map();

  /**
   * A mark of radius r (device pixels) centred on a pixel centre, at opacity alpha: a disc, or
   * with `shape` a square, a diamond or a ring (shapes tell classes apart without colour).
   */
  function sprite(r, alpha, shape = "disc") {
    const rq = Math.max(0.5, Math.round(r * 10) / 10); // quantised: a small, reusable cache
    const key = `${rq}|${alpha}|${shape}`;
    let s = sprites.get(key);
    if (s) return s;
    if (sprites.size >= MAX_SPRITES) sprites.clear();
    const ext = Math.ceil(rq + 0.5);
    const dx = [];
    const dy = [];
    const w = [];
    const SS = 4; // 4x4 samples per pixel for the coverage
    for (let j = -ext; j <= ext; j++) {
      for (let i = -ext; i <= ext; i++) {
        let hits = 0;
        for (let sj = 0; sj < SS; sj++) {
          for (let si = 0; si < SS; si++) {
            const px = i + (si + 0.5) / SS - 0.5;
            const py = j + (sj + 0.5) / SS - 0.5;
            if (inside(shape, px, py, rq)) hits++;
          }
        }
        const weight = Math.round((hits / (SS * SS)) * alpha * ONE);
        if (weight > 0) {
          dx.push(i);
          dy.push(j);
          w.push(weight);
        }
      }
    }
    const off = new Int32Array(dx.length);
    for (let k = 0; k < off.length; k++) off[k] = dy[k] * W + dx[k];
    s = { ext, off, dx: Int32Array.from(dx), dy: Int32Array.from(dy), w: Int32Array.from(w) };
    sprites.set(key, s);
    return s;
  }

  return {
    ctx,
    get width() {
      return W;
    },
    get height() {
      return H;
    },
    /** The pixel words (0xAABBGGRR) painted so far; density-layer.js blends hexagons into them. */
    get pixels() {
      return pixels;
    },

    resize(width, height) {
      W = width;
      H = height;
      image = W > 0 && H > 0 ? ctx.createImageData(W, H) : null;
      pixels = image ? new Uint32Array(image.data.buffer) : new Uint32Array(0);
      sprites.clear(); // offsets depend on the row length
    },

    clear(pixel) {
      pixels.fill(pixel);
    },

    /** Start from a picture instead of a plain colour (opaque pixels, this buffer's size). */
    clearFrom(source) {
      if (source.length === pixels.length) pixels.set(source);
      else pixels.fill(0xffffffff);
    },

    /**
     * Paint rows 0..n-1 (or just `rows`, an Int32Array) whose selection flag equals `want`
     * (-1: every row). Positions are device pixels `x * ax + bx`, `y * ay + by`; `color` holds
     * a palette slot per row. `mask` is indexed by id (`ids[row]`, or the row itself when ids
     * is null); undefined reads as 0. Rows left out are written to `skip` (an Int32Array of n),
     * so the pass for the selection on top walks only those instead of all rows again.
     * Returns {painted, visible, skipped}.
     */
    paint({ x, y, n, rows = null, color, palette, ids, mask, want, skip = null, ax, bx, ay, by, radius, alpha, shapes = null }) {
      // shapes: a shape name per palette slot, or null for discs everywhere.
      const marks = shapes ? shapes.map((shape) => withInverse(sprite(radius, alpha, shape))) : null;
      let { off, w, iw, dx, dy, ext } = withInverse(sprite(radius, alpha));
      let m = off.length;
      const px = pixels;
      const filter = want >= 0 && mask !== null;
      const count = rows === null ? n : rows.length;
      let painted = 0;
      let visible = 0;
      let skipped = 0;
      for (let j = 0; j < count; j++) {
        const i = rows === null ? j : rows[j];
        if (filter) {
          const flag = mask[ids === null ? i : ids[i]] | 0;
          if (flag !== want) {
            if (skip !== null) skip[skipped] = i;
            skipped++;
            continue;
          }
        }
        const fx = x[i] * ax + bx;
        const fy = y[i] * ay + by;
        if (fx >= 0 && fx <= W && fy >= 0 && fy <= H) visible++;
        const cx = Math.floor(fx);
        const cy = Math.floor(fy);
        if (cx < -ext || cy < -ext || cx >= W + ext || cy >= H + ext) continue;
        if (marks) ({ off, w, iw, dx, dy, ext, m } = marks[color[i]] || marks[0]);
        const c = palette[color[i]];
        const srb = c & 0xff00ff;
        const sg = c & 0xff00;
        painted++;
        if (cx >= ext && cy >= ext && cx < W - ext && cy < H - ext) {
          // The whole sprite is inside: no per-pixel bounds checks.
          const base = cy * W + cx;
          for (let k = 0; k < m; k++) {
            const p = base + off[k];
            const d = px[p];
            px[p] =
              0xff000000 |
              (((srb * w[k] + (d & 0xff00ff) * iw[k]) >> 7) & 0xff00ff) |
              (((sg * w[k] + (d & 0xff00) * iw[k]) >> 7) & 0xff00);
          }
        } else {
          for (let k = 0; k < m; k++) {
            const qx = cx + dx[k];
            const qy = cy + dy[k];
            if (qx < 0 || qy < 0 || qx >= W || qy >= H) continue;
            const p = qy * W + qx;
            const d = px[p];
            px[p] =
              0xff000000 |
              (((srb * w[k] + (d & 0xff00ff) * iw[k]) >> 7) & 0xff00ff) |
              (((sg * w[k] + (d & 0xff00) * iw[k]) >> 7) & 0xff00);
          }
        }
      }
      return { painted, visible, skipped };
    },

    flush() {
      if (image) ctx.putImageData(image, 0, 0);
    },
  };
}

// The complementary weights (ONE - w) of a sprite, computed once and kept on it; m: its size.
function withInverse(s) {
  if (!s.iw) {
    s.iw = new Int32Array(s.w.length);
    for (let k = 0; k < s.w.length; k++) s.iw[k] = ONE - s.w[k];
    s.m = s.off.length;
  }
  return s;
}

/** Whether offset (px, py) from the centre lies inside a mark of radius r of this shape. */
function inside(shape, px, py, r) {
  switch (shape) {
    case "square": // the same area as the disc: side r * sqrt(pi)
      return Math.max(Math.abs(px), Math.abs(py)) <= 0.886 * r;
    case "diamond":
      return Math.abs(px) + Math.abs(py) <= 1.25 * r;
    case "ring": {
      const d = px * px + py * py;
      return d <= r * r && d >= 0.36 * r * r;
    }
    default:
      return px * px + py * py <= r * r;
  }
}
