// The script of the self-contained HTML report (core/report inlines it, after d3).
// A classic script, not an ES module: the report is one file with nothing to import, and
// inline module scripts cannot import the page's modules from a file:// page with every
// request blocked. It reads the JSON block #report-data (arrays are base64 of little-endian
// bytes; see core/report/payload.py) and draws, for the chosen iteration, the three linked
// plots of the page (parent, selected after, all after), the metrics tables and the loss curve.
// Every text from the data reaches the DOM through textContent (d3's .text), never as HTML.
//
// window.latentReport is for tests and the curious: {iteration, show(k), screenOf(plot, id)}.

(() => {
  const d3 = window.d3;
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const ds = data.dataset;
  const n = ds.n_samples;
  // The page's palette (static/js/colors.js): Okabe and Ito up to 8 classes, Tol's muted up to
  // 10, then a Turbo ramp. Restated here because the report cannot import the page's modules.
  const OKABE_ITO = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442"];
  const TOL_MUTED = ["#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255", "#aa4499", "#000000"];
  const nClasses = ds.class_names.length;
  const palette =
    nClasses <= 8
      ? OKABE_ITO.slice(0, Math.max(1, nClasses))
      : nClasses <= 10
        ? TOL_MUTED.slice(0, nClasses)
        : d3.quantize((t) => d3.interpolateTurbo(0.08 + 0.84 * t), nClasses).map((c) => d3.color(c).formatHex());
  const METRICS = [
    ["trustworthiness", "T"],
    ["continuity", "C"],
    ["neighborhood_hit", "NH"],
    ["shepard", "Shepard"],
    ["stress", "Stress"],
    ["reconstruction_error", "Recon. error"],
    ["kl", "KL"],
  ];
  const GROUPS = ["all", "selected", "rest"];
  const SIZE = 340; // plot area, CSS pixels
  const MARGIN = 30;

  // ---- decoding -------------------------------------------------------------------------
  function bytesOf(b64) {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  function coordsOf(it) {
    if (!it._xy) {
      const f = new Float32Array(bytesOf(it.coords).buffer);
      it._xy = { x: f.subarray(0, n), y: f.subarray(n, 2 * n) };
    }
    return it._xy;
  }
  function maskOf(it) {
    if (!it.selected) return null;
    if (!it._mask) {
      const bits = bytesOf(it.selected);
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) mask[i] = (bits[i >> 3] >> (i & 7)) & 1;
      it._mask = mask;
    }
    return it._mask;
  }
  const labelBytes = bytesOf(data.labels);
  const labels = data.label_dtype === "u2" ? new Uint16Array(labelBytes.buffer) : labelBytes;
  // A seeded shuffle: points are painted in this order, so draw order never favours a class.
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }

  // ---- one plot ---------------------------------------------------------------------------
  const tooltip = d3.select("#tooltip");
  const plots = [];
  let hovered = null;

  function rgbOf(hex, fade) {
    const c = d3.rgb(hex);
    const mix = (v) => Math.round(v + (255 - v) * fade);
    return (255 << 24) | (mix(c.b) << 16) | (mix(c.g) << 8) | mix(c.r); // ABGR: little-endian RGBA
  }
  const full = palette.map((c) => rgbOf(c, 0));
  const faded = palette.map((c) => rgbOf(c, 0.75));
  const DISC = [];
  for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (dx * dx + dy * dy <= 5) DISC.push([dx, dy]);

  function createPlot(root, index) {
    const box = root.append("div").attr("class", "plot").attr("data-plot", index);
    const heading = box.append("h3");
    const area = box.append("div").attr("class", "area").style("width", `${SIZE}px`).style("height", `${SIZE}px`);
    const ratio = window.devicePixelRatio || 1;
    const canvas = area.append("canvas").attr("width", SIZE * ratio).attr("height", SIZE * ratio).style("width", `${SIZE}px`).style("height", `${SIZE}px`);
    const svg = area.append("svg").attr("width", SIZE).attr("height", SIZE).attr("role", "img");
    const gx = svg.append("g").attr("transform", `translate(0,${SIZE - MARGIN})`);
    const gy = svg.append("g").attr("transform", `translate(${MARGIN},0)`);
    const ring = svg.append("circle").attr("r", 6).attr("fill", "none").attr("stroke", "#d00").attr("stroke-width", 2).attr("visibility", "hidden");
    const ctx = canvas.node().getContext("2d");
    let view = null; // {x, y, members, dim, tree, sx, sy}
    let transform = d3.zoomIdentity;

    const zoom = d3
      .zoom()
      .scaleExtent([0.5, 64])
      .on("zoom", (event) => {
        transform = event.transform;
        draw();
      });
    svg.call(zoom).on("dblclick.zoom", () => svg.call(zoom.transform, d3.zoomIdentity));
    svg.on("pointermove", (event) => {
      const [px, py] = d3.pointer(event);
      const id = find(px, py);
      setHoverAll(id, event);
    });
    svg.on("pointerleave", () => setHoverAll(null, null));

    function scales() {
      return { x: transform.rescaleX(view.sx), y: transform.rescaleY(view.sy) };
    }
    function find(px, py) {
      if (!view) return null;
      const s = scales();
      const radius = 6 / (view.unit * transform.k);
      const id = view.tree.find(s.x.invert(px), s.y.invert(py), radius);
      return id === undefined ? null : id;
    }
    function setData(spec) {
      // spec: {title, x, y, members: Uint8Array | null (drawn points), dim: Uint8Array | null}
      heading.text(spec.title);
      const ids = [];
      for (let i = 0; i < n; i++) if (!spec.members || spec.members[i]) ids.push(i);
      const [x0, x1] = d3.extent(ids, (i) => spec.x[i]);
      const [y0, y1] = d3.extent(ids, (i) => spec.y[i]);
      // Equal units on both axes (a distance reads the same in any direction), centred.
      const inner = SIZE - 2 * MARGIN;
      const span = Math.max(x1 - x0, y1 - y0) || 1;
      const unit = inner / (span * 1.06);
      const cx = (x0 + x1) / 2;
      const cy = (y0 + y1) / 2;
      const sx = d3.scaleLinear().domain([cx - inner / 2 / unit, cx + inner / 2 / unit]).range([MARGIN, SIZE - MARGIN]);
      const sy = d3.scaleLinear().domain([cy - inner / 2 / unit, cy + inner / 2 / unit]).range([SIZE - MARGIN, MARGIN]);
      const tree = d3.quadtree().x((i) => spec.x[i]).y((i) => spec.y[i]).addAll(ids);
      view = { ...spec, sx, sy, unit, tree };
      transform = d3.zoomIdentity;
      svg.call(zoom.transform, d3.zoomIdentity); // draws
    }
    function draw() {
      if (!view) return;
      const s = scales();
      gx.call(d3.axisBottom(s.x).ticks(5));
      gy.call(d3.axisLeft(s.y).ticks(5));
      const w = canvas.node().width;
      const h = canvas.node().height;
      const image = ctx.createImageData(w, h);
      const buf = new Uint32Array(image.data.buffer);
      buf.fill(0xffffffff);
      const lo = MARGIN * ratio;
      const hi = (SIZE - MARGIN) * ratio;
      const paint = (i, colors) => {
        const px = Math.round(s.x(view.x[i]) * ratio);
        const py = Math.round(s.y(view.y[i]) * ratio);
        if (px < lo || px > hi || py < lo || py > hi) return;
        const color = colors[labels[i]] ?? 0xff888888;
        for (const [dx, dy] of DISC) buf[(py + dy) * w + px + dx] = color;
      };
      // Dimmed points first, then the rest, each in the seeded order.
      if (view.dim) for (const i of order) if (view.dim[i] && (!view.members || view.members[i])) paint(i, faded);
      for (const i of order) if ((!view.members || view.members[i]) && !view.dim?.[i]) paint(i, full);
      ctx.putImageData(image, 0, 0);
      placeRing();
    }
    function placeRing() {
      const on = view && hovered !== null && (!view.members || view.members[hovered]);
      ring.attr("visibility", on ? "visible" : "hidden");
      if (!on) return;
      const s = scales();
      ring.attr("cx", s.x(view.x[hovered])).attr("cy", s.y(view.y[hovered]));
    }
    function screenOf(id) {
      const s = scales();
      const rect = svg.node().getBoundingClientRect();
      return { x: rect.left + s.x(view.x[id]), y: rect.top + s.y(view.y[id]) };
    }
    return { setData, placeRing, screenOf };
  }

  function setHoverAll(id, event) {
    hovered = id;
    for (const p of plots) p.placeRing();
    if (id === null || !event) {
      tooltip.property("hidden", true);
      return;
    }
    const name = ds.class_names[labels[id]] ?? `class ${labels[id]}`;
    tooltip.property("hidden", false).text(`Point ${id} · ${name}`).style("left", `${event.clientX + 12}px`).style("top", `${event.clientY + 12}px`);
  }

  // ---- iteration picker, plots, tables, loss ----------------------------------------------
  const iterations = data.iterations;
  const byIndex = new Map(iterations.map((it) => [it.index, it]));
  const plotRoot = d3.select("#plots");
  for (let p = 0; p < 3; p++) plots.push(createPlot(plotRoot, p));
  d3.select("#legend")
    .selectAll("span")
    .data(ds.class_names)
    .join("span")
    .style("--c", (_, i) => palette[i] ?? "#888")
    .text((d) => d);

  const select = d3.select("#iteration");
  select
    .selectAll("option")
    .data(iterations)
    .join("option")
    .attr("value", (it) => it.index)
    .text((it) => `${it.index}${it.index === 0 ? " (initial)" : ` (from ${it.parent}, ${it.mode})`}`);
  select.on("change", (event) => show(Number(event.target.value)));

  // How the points were chosen, in words (the stored params are for the program, e.g. "{}").
  function selectionWords(selection) {
    const classes = selection.params?.class_names;
    if (selection.method === "class" && Array.isArray(classes) && classes.length) {
      return `of class ${classes.join(", ")}`;
    }
    const words = {
      class: "chosen by class",
      random: "drawn at random",
      brush: "chosen with the brush",
      lasso: "chosen with the lasso",
      manual: "chosen by hand",
      ids: "chosen by id",
    };
    return words[selection.method] ?? `chosen by ${selection.method}`;
  }

  function describe(it) {
    if (it.index === 0) return `Initial training on all ${n} points, ${it.epochs} epochs.`;
    const sel = it.selection ? `${it.n_selected} points ${selectionWords(it.selection)}` : "no selection";
    return `${it.mode === "scratch" ? "Trained from scratch" : "Fine-tuned"} from iteration ${it.parent} on ${sel}, ${it.epochs} epochs.`;
  }

  function show(k) {
    const it = byIndex.get(k);
    if (!it) return;
    current = k;
    select.property("value", String(k));
    d3.select("#iteration-text").text(describe(it));
    const after = coordsOf(it);
    const parent = it.parent === null ? it : (byIndex.get(it.parent) ?? it);
    const before = coordsOf(parent);
    const mask = maskOf(it);
    let rest = null;
    if (mask) {
      rest = new Uint8Array(n);
      for (let i = 0; i < n; i++) rest[i] = mask[i] ? 0 : 1;
    }
    plots[0].setData({ title: it.parent === null ? "Iteration 0: all points" : `Before: iteration ${parent.index}, all points`, x: before.x, y: before.y, members: null, dim: rest });
    plots[1].setData({
      title: mask ? `After: iteration ${k}, the ${it.n_selected} selected points` : `Iteration ${k}: no selection, all points`,
      x: after.x,
      y: after.y,
      members: mask,
      dim: null,
    });
    plots[2].setData({ title: `After: iteration ${k}, all points${mask ? " (rest dimmed)" : ""}`, x: after.x, y: after.y, members: null, dim: rest });
    renderMetrics(it);
    renderLosses(it);
    renderReconstructions(it);
    window.latentReport.iteration = k;
  }

  const fmt = (v) => (v === null || v === undefined ? "—" : Math.abs(v) >= 100 ? d3.format(",.0f")(v) : d3.format(".4f")(v));
  const signed = d3.format("+.4f");

  function renderMetrics(it) {
    const root = d3.select("#metrics").html("");
    const tables = [
      [`After: iteration ${it.index}`, it.metrics, it.parent_metrics, ""],
      [`Before: iteration ${it.parent ?? it.index}`, it.parent_metrics, null, ""],
      ["PCA reference (the data's first two principal components)", it.metrics, null, "pca_"],
    ];
    if (!it.metrics) {
      root.append("p").attr("class", "muted").text("This iteration was not measured when the report was written.");
      return;
    }
    for (const [caption, report, base, prefix] of tables) {
      if (!report) continue;
      const groups = GROUPS.filter((g) => report[g]);
      const cols = METRICS.filter(([key]) => groups.some((g) => report[g][prefix + key] !== undefined && report[g][prefix + key] !== null));
      const table = root.append("table").attr("class", "metrics");
      table.append("caption").text(caption);
      const head = table.append("thead").append("tr");
      head.append("th").text("Points");
      head.append("th").text("n");
      for (const [, title] of cols) head.append("th").text(title);
      const body = table.append("tbody");
      for (const g of groups) {
        const tr = body.append("tr").attr("data-group", g);
        tr.append("th").attr("scope", "row").text(g);
        tr.append("td").text(d3.format(",")(report[g].n_points ?? 0));
        for (const [key] of cols) {
          const td = tr.append("td");
          const v = report[g][prefix + key];
          td.text(fmt(v));
          const b = base?.[g]?.[key];
          if (!prefix && base && Number.isFinite(v) && Number.isFinite(b)) td.append("span").attr("class", "delta").text(signed(v - b));
        }
      }
    }
  }

  function renderLosses(it) {
    const root = d3.select("#losses").html("");
    const losses = (it.losses || []).filter((v) => Number.isFinite(v));
    if (!losses.length) {
      root.append("p").attr("class", "muted").text("No training losses were stored for this iteration.");
      return;
    }
    const w = 480;
    const h = 180;
    const m = { l: 56, r: 10, t: 10, b: 30 };
    const x = d3.scaleLinear().domain([1, Math.max(2, losses.length)]).range([m.l, w - m.r]);
    const y = d3.scaleLinear().domain(d3.extent(losses)).nice().range([h - m.b, m.t]);
    const svg = root.append("svg").attr("width", w).attr("height", h).attr("role", "img").attr("aria-label", `Training loss over ${losses.length} epochs`);
    svg.append("g").attr("transform", `translate(0,${h - m.b})`).call(d3.axisBottom(x).ticks(Math.min(6, losses.length - 1)).tickFormat(d3.format("d")));
    svg.append("g").attr("transform", `translate(${m.l},0)`).call(d3.axisLeft(y).ticks(5));
    svg.append("path").attr("fill", "none").attr("stroke", "#0072b2").attr("stroke-width", 1.5).attr("d", d3.line((_, i) => x(i + 1), (v) => y(v))(losses));
    svg.append("text").attr("x", w / 2).attr("y", h - 2).attr("text-anchor", "middle").attr("font-size", 11).text("epoch");
  }

  // Image data: the originals, the parent's and this iteration's reconstructions of the same
  // points, one column per point (canvas pixels: the page's CSP allows no image URLs but data:).
  const rec = data.reconstructions;
  const recPixels = new Map();
  function pixelsOf(b64) {
    if (!recPixels.has(b64)) recPixels.set(b64, bytesOf(b64));
    return recPixels.get(b64);
  }
  function renderReconstructions(it) {
    if (!rec) return;
    d3.select("#reconstructions-section").property("hidden", false);
    const root = d3.select("#reconstructions").html("");
    const [h, w] = rec.shape;
    const position = new Map(iterations.map((x, i) => [x.index, i]));
    const rows = [["Original", rec.original]];
    if (it.parent !== null && position.has(it.parent)) rows.push([`Iteration ${it.parent}`, rec.by_iteration[position.get(it.parent)]]);
    rows.push([`Iteration ${it.index}`, rec.by_iteration[position.get(it.index)]]);
    const table = root.append("table").attr("class", "reconstructions");
    const head = table.append("thead").append("tr");
    head.append("th");
    for (const id of rec.ids) head.append("th").attr("title", `point ${id}`).text(ds.class_names[labels[id]] ?? "");
    const body = table.append("tbody");
    for (const [title, b64] of rows) {
      const tr = body.append("tr");
      tr.append("th").attr("scope", "row").text(title);
      const px = pixelsOf(b64);
      rec.ids.forEach((id, j) => {
        const canvas = tr.append("td").append("canvas").attr("width", w).attr("height", h).attr("title", `point ${id}`);
        const image = new ImageData(w, h);
        for (let p = 0; p < w * h; p++) {
          const v = 255 - px[j * w * h + p]; // ink dark on white paper
          image.data.set([v, v, v, 255], 4 * p);
        }
        canvas.node().getContext("2d").putImageData(image, 0, 0);
      });
    }
  }

  let current = null;
  window.latentReport = {
    iteration: null,
    show,
    screenOf: (plot, id) => plots[plot].screenOf(id),
  };
  if (data.format !== 1) {
    d3.select("#iteration-text").text(`This report's data has format ${data.format}; this script reads format 1.`);
  } else if (iterations.length) {
    show(iterations[iterations.length - 1].index);
  }
  window.latentReport.ready = current !== null;
})();
