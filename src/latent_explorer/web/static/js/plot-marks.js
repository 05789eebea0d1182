// What a scatterplot draws over its points with canvas paths (CSS pixels; the canvas context is
// scaled by the device pixel ratio here): outlines of a few selected points, a focused point's
// neighbour lines and rings, and rings around the points Find matched. Each takes the geometry
// of the frame, {x, y, ax, bx, ay, by} (device pixels = value * a + b), and the ratio.

// A thin outline keeps a few selected points readable on top of dimmed ones; on thousands
// it would turn dense clusters black, so the caller leaves it out there.
export function outlineSelected(ctx, dpr, rows, { x, y, ax, bx, ay, by }, r, width, height) {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.globalAlpha = 0.55;
  ctx.lineWidth = 0.6;
  ctx.strokeStyle = "#1b1f24";
  ctx.beginPath();
  for (const i of rows) {
    const px = (x[i] * ax + bx) / dpr;
    const py = (y[i] * ay + by) / dpr;
    if (px < -r || py < -r || px > width + r || py > height + r) continue;
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, 2 * Math.PI);
  }
  ctx.stroke();
  ctx.restore();
}

// Marks for one focused point: a line to each of its neighbours (in this plot's layout, so
// neighbours the projection tore apart get long lines), a ring per neighbour in its colour,
// and a dark ring on the point itself. At most 100 neighbours: plain canvas paths.
// rowOf(id) -> the row of a point id in this plot, or -1.
export function drawMarks(ctx, dpr, marks, rowOf, { x, y, ax, bx, ay, by }, r) {
  const at = (row) => [(x[row] * ax + bx) / dpr, (y[row] * ay + by) / dpr];
  const focus = rowOf(marks.focus);
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineCap = "round";
  const rows = marks.ids.map((id) => rowOf(id));
  if (focus >= 0) {
    const [fx, fy] = at(focus);
    rows.forEach((row, j) => {
      if (row < 0) return;
      const [px, py] = at(row);
      ctx.globalAlpha = marks.strong[j] ? 0.9 : 0.55;
      ctx.lineWidth = marks.strong[j] ? 1.6 : 1;
      ctx.strokeStyle = marks.colors[j];
      ctx.beginPath();
      ctx.moveTo(fx, fy);
      ctx.lineTo(px, py);
      ctx.stroke();
    });
  }
  ctx.globalAlpha = 1;
  rows.forEach((row, j) => {
    if (row < 0) return;
    const [px, py] = at(row);
    ctx.lineWidth = marks.strong[j] ? 2 : 1.5;
    ctx.strokeStyle = marks.colors[j];
    ctx.beginPath();
    ctx.arc(px, py, r + 2.5, 0, 2 * Math.PI);
    ctx.stroke();
  });
  if (focus >= 0) {
    const [fx, fy] = at(focus);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#ffffff";
    ctx.beginPath();
    ctx.arc(fx, fy, r + 4, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#111418";
    ctx.stroke();
  }
  ctx.restore();
}

// Find's matches: a white-and-black double ring around each (readable on any class colour and
// on the density hexagons). Beyond `max` rings the picture would be a smear of rings: the caller
// passes the first `max` only and says how many there are.
export function drawFound(ctx, dpr, rows, count, { x, y, ax, bx, ay, by }, r, width, height) {
  ctx.save();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.beginPath();
  const ring = r + 3;
  for (let j = 0; j < count; j++) {
    const i = rows[j];
    const px = (x[i] * ax + bx) / dpr;
    const py = (y[i] * ay + by) / dpr;
    if (px < -ring || py < -ring || px > width + ring || py > height + ring) continue;
    ctx.moveTo(px + ring, py);
    ctx.arc(px, py, ring, 0, 2 * Math.PI);
  }
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#d10069";
  ctx.stroke();
  ctx.restore();
}
