// Point queries over one plot's data set, in data space: the nearest point within a radius
// (hover, click), every point in a rectangle (brush) and every point in a polygon (lasso).
//
// Built once per data set (setData), never per frame: a d3.quadtree over row indices. Queries
// work in data space, not pixels, so a zoom never invalidates the index and a test can repeat
// a query exactly from the same float64 rectangle or polygon.
//
//   const index = createSpatialIndex(x, y);          // Float32Array columns
//   index.nearest(x, y, radius)  -> row or -1
//   index.inRect(x0, y0, x1, y1, out) -> count      // rows written to out (an Int32Array)
//   index.inPolygon([[x, y], ...], out) -> count

import { d3 } from "./d3.js";

export function createSpatialIndex(xs, ys) {
  const n = xs.length;
  const rows = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const tree = d3
    .quadtree()
    .x((i) => xs[i])
    .y((i) => ys[i])
    .addAll(rows);

  /** Rows with x0 <= x <= x1 and y0 <= y <= y1 (bounds included), written to out. */
  function inRect(x0, y0, x1, y1, out) {
    let k = 0;
    tree.visit((node, nx0, ny0, nx1, ny1) => {
      if (!node.length) {
        // A leaf; coincident points hang off it as a linked list.
        let d = node;
        do {
          const i = d.data;
          const x = xs[i];
          const y = ys[i];
          if (x >= x0 && x <= x1 && y >= y0 && y <= y1) out[k++] = i;
        } while ((d = d.next));
        return true;
      }
      // Skip a quadrant that cannot overlap the rectangle.
      return nx0 > x1 || ny0 > y1 || nx1 < x0 || ny1 < y0;
    });
    return k;
  }

  /**
   * Rows inside the polygon by the even-odd rule, with exactly the arithmetic of the classic
   * ray-casting test (so a test can recompute it bit for bit). The quadtree keeps only the
   * points in the polygon's bounding box; each of those checks only the edges that span its y
   * (edges bucketed into horizontal bands), instead of every vertex of a long freehand lasso.
   */
  function inPolygon(polygon, out) {
    const m = polygon.length;
    if (m < 3) return 0;
    let bx0 = Infinity;
    let by0 = Infinity;
    let bx1 = -Infinity;
    let by1 = -Infinity;
    for (const [x, y] of polygon) {
      if (x < bx0) bx0 = x;
      if (x > bx1) bx1 = x;
      if (y < by0) by0 = y;
      if (y > by1) by1 = y;
    }
    const bands = edgeBands(polygon, by0, by1);
    // The bounding box's rows, then kept in place where the polygon contains them.
    const inBox = inRect(bx0, by0, bx1, by1, out);
    let k = 0;
    for (let j = 0; j < inBox; j++) {
      const i = out[j];
      if (bands.contains(xs[i], ys[i])) out[k++] = i;
    }
    return k;
  }

  return {
    size: n,
    nearest(x, y, radius) {
      const found = tree.find(x, y, radius);
      return found === undefined ? -1 : found;
    },
    inRect,
    inPolygon,
  };
}

// Edges bucketed by the y-bands they span. An edge (j -> i) can only flip the even-odd count
// of a point whose y lies in [min(yi, yj), max(yi, yj)); band() is monotonic, so the band of
// any such y lies between the bands of the edge's ends, and listing the edge there misses no
// crossing. Rounding cannot drop an edge, so the result equals the full scan over all edges.
function edgeBands(polygon, y0, y1) {
  const m = polygon.length;
  const nBands = Math.max(1, Math.min(512, m));
  const scale = y1 > y0 ? nBands / (y1 - y0) : 0;
  const band = (y) => Math.min(nBands - 1, Math.max(0, Math.floor((y - y0) * scale)));
  const lists = Array.from({ length: nBands }, () => []);
  for (let i = 0, j = m - 1; i < m; j = i++) {
    const a = band(Math.min(polygon[i][1], polygon[j][1]));
    const b = band(Math.max(polygon[i][1], polygon[j][1]));
    for (let q = a; q <= b; q++) lists[q].push(polygon[j][0], polygon[j][1], polygon[i][0], polygon[i][1]);
  }
  // Flat Float64Arrays per band: [xj, yj, xi, yi, ...].
  const flat = lists.map((list) => Float64Array.from(list));
  return {
    contains(x, y) {
      const e = flat[band(y)];
      let inside = false;
      for (let q = 0; q < e.length; q += 4) {
        const xj = e[q];
        const yj = e[q + 1];
        const xi = e[q + 2];
        const yi = e[q + 3];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
      return inside;
    },
  };
}
