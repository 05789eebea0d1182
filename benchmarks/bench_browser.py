"""Drawing, brushing and loading at full scale, measured inside headless Chromium.

Starts ``latent-explorer serve`` on a free loopback port, opens the page in headless Chromium
(software rendering, ``--disable-gpu``, as in the browser tests) and fills the three plots with
n synthetic points through the page's test hook (``window.__explorer.loadSynthetic``), so no
70,000-point training is needed. Times come from ``performance.mark/measure`` in the page:

- draw: one full draw of one plot, rasterised (a 1-pixel ``getImageData`` forces Chromium to
  finish the canvas work inside the measurement);
- brush frame: one brush move: hit test of a rectangle, the previewed selection, and a redraw
  of all three plots with the rest dimmed and the selection on top.

Baselines run in the same page on the same canvases and points:
- naive: one ``arc()`` + ``fill()`` per point with ``fillStyle`` set per point; the brush frame
  scans every point, builds a Set of the ids, rebuilds each plot's mask from it and redraws
  all three plots that way;
- previous: the draw this change replaced (one path of ``arc()``s per class colour).
Each ratio is baseline / ours (higher is better) on the medians.

Density (issue 14): one redraw of a 70,000-point plot in density mode (hexagons in the mean
colour of their points, order-independent) against the point drawing in the same page, and
whether "auto" chose density there. Layout shift: the sum of Chromium's layout-shift entries
(observer installed before the page's first byte) while an experiment opens from its URL and
during a Submit, at 1440x900 and 1280x800; the target is 0.

It also trains a 1-epoch AE on MNIST's 10,000 test images (when the files are there) and
compares loading its coordinates as JSON with the binary ``format=f32`` answer.

    python benchmarks/bench_browser.py [--quick] [--json PATH] [--repeat 20] [--dpr 1]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from common import default_data_dir, emit, parser

from tests.local_server import CHROMIUM, CHROMIUM_ARGS, ServerDidNotStart, start_server

PLOTS = ("initial", "selected", "all")

# The naive painter and brush frame, run in the page against a plot's geometry (see
# scatterplot.js `geometry()`): positions are CSS pixels v * a + b, the canvas is device pixels.
NAIVE_JS = """
(() => {
  const colorOf = (g, c) => g.colors[c] || g.unknownColor;
  function clear(g, ctx) {
    ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);
  }
  // One arc() + fill() per point, fillStyle set per point; want: -1 all, 0 rest, 1 selected.
  function naivePass(g, ctx, rowMask, want, alpha, r) {
    ctx.globalAlpha = alpha;
    for (let i = 0; i < g.n; i++) {
      if (want >= 0 && rowMask[i] !== want) continue;
      const x = g.x[i] * g.ax + g.bx;
      const y = g.y[i] * g.ay + g.by;
      ctx.fillStyle = colorOf(g, g.labels[i]);
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  // The draw before this change: one path of arc()s per class colour.
  function batchedPass(g, ctx, rowMask, want, alpha, r) {
    ctx.globalAlpha = alpha;
    const classes = new Map();
    for (let i = 0; i < g.n; i++) {
      if (want >= 0 && rowMask[i] !== want) continue;
      const c = g.labels[i];
      if (!classes.has(c)) classes.set(c, []);
      classes.get(c).push(i);
    }
    for (const [c, rows] of classes) {
      ctx.fillStyle = colorOf(g, c);
      ctx.beginPath();
      for (const i of rows) {
        const x = g.x[i] * g.ax + g.bx;
        const y = g.y[i] * g.ay + g.by;
        if (x < -r || y < -r || x > g.width + r || y > g.height + r) continue;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  const passes = { naive: naivePass, previous: batchedPass };
  function paint(kind, g, rowMask) {
    const ctx = g.canvas.getContext("2d");
    clear(g, ctx);
    const pass = passes[kind];
    if (!rowMask) pass(g, ctx, null, -1, 0.8, g.radius);
    else {
      pass(g, ctx, rowMask, 0, 0.2, g.radius);
      pass(g, ctx, rowMask, 1, 1, g.radius * 1.15);
    }
    ctx.getImageData(0, 0, 1, 1); // rasterise inside the measurement
  }
  window.__naiveBench = {
    draw(kind, name) {
      const g = window.__explorerBench.geometry(name);
      performance.mark("naive-draw-start");
      paint(kind, g, null);
      performance.mark("naive-draw-end");
      return performance.measure("naive-draw", "naive-draw-start", "naive-draw-end").duration;
    },
    brushFrame(kind, name, [fx0, fy0, fx1, fy1]) {
      const geos = Object.fromEntries(["initial", "selected", "all"].map((p) => [p, window.__explorerBench.geometry(p)]));
      const g = geos[name];
      performance.mark("naive-brush-start");
      // Hit test: every point's pixel position against the rectangle.
      const x0 = fx0 * g.width, x1 = fx1 * g.width, y0 = fy0 * g.height, y1 = fy1 * g.height;
      const ids = [];
      for (let i = 0; i < g.n; i++) {
        const x = g.x[i] * g.ax + g.bx;
        const y = g.y[i] * g.ay + g.by;
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) ids.push(g.ids ? g.ids[i] : i);
      }
      const selected = new Set(ids);
      for (const p of Object.values(geos)) {
        const rowMask = new Uint8Array(p.n);
        for (let i = 0; i < p.n; i++) rowMask[i] = selected.has(p.ids ? p.ids[i] : i) ? 1 : 0;
        paint(kind, p, rowMask);
      }
      performance.mark("naive-brush-end");
      return performance.measure("naive-brush", "naive-brush-start", "naive-brush-end").duration;
    },
  };
})();
"""


def start(state_dir: str) -> tuple[subprocess.Popen, str, Path]:
    log = Path(state_dir) / "server.log"
    threads = os.environ.get("LATENT_EXPLORER_THREADS", "1")
    try:
        proc, url = start_server(
            data_dir=default_data_dir(),
            state_dir=Path(state_dir) / "state",
            log_path=log,
            threads=threads,
        )
    except ServerDidNotStart as exc:
        raise SystemExit(str(exc)) from None
    return proc, url, log


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(ordered[0], 3),
    }


def wait_until(page, expression: str, timeout: float = 60.0) -> None:
    """Poll a JS expression (the page's CSP forbids the eval that wait_for_function needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(50)


def measure_scale(page, n: int, repeat: int, plot: str) -> dict[str, Any]:
    page.evaluate(f"window.__explorer.loadSynthetic({n}, 1)")
    wait_until(page, " && ".join(f"window.__explorer.plots.{p}.pointsDrawn === {n}" for p in PLOTS))
    page.wait_for_timeout(300)  # let the idle-time quadtree builds run before timing
    # A brush dragged across the middle of the plot: each repeat moves it a little.
    rects = [[0.2 + 0.004 * i, 0.25, 0.6 + 0.004 * i, 0.7] for i in range(repeat)]
    warm = 3

    def series(call: str) -> list[float]:
        """``call`` (a JS expression with {rect}) warmed up, then timed ``repeat`` times.
        Each painter runs as its own block, so one's garbage is not collected in another's."""
        out = []
        for i in range(-warm, repeat):
            ms = page.evaluate(call.format(rect=json.dumps(rects[max(i, 0)])))
            if i >= 0:
                out.append(ms)
        return out

    ours_draw = series(f"window.__explorerBench.drawAll('{plot}')")
    ours_brush, hits, counts = [], [], []
    for i in range(-warm, repeat):
        ms = page.evaluate(
            f"window.__explorerBench.brushFrame('{plot}', {json.dumps(rects[max(i, 0)])})"
        )
        last = page.evaluate("window.__explorerBench.lastBrush")
        if i >= 0:
            ours_brush.append(ms)
            hits.append(last["hitMs"])
            counts.append(last["count"])
    naive_draw = series(f"window.__naiveBench.draw('naive', '{plot}')")
    naive_brush = series(f"window.__naiveBench.brushFrame('naive', '{plot}', {{rect}})")
    prev_draw = series(f"window.__naiveBench.draw('previous', '{plot}')")
    prev_brush = series(f"window.__naiveBench.brushFrame('previous', '{plot}', {{rect}})")
    # Leave the page showing our drawing again.
    for p in PLOTS:
        page.evaluate(f"window.__explorerBench.drawAll('{p}')")

    def block(ours: list[float], naive: list[float], previous: list[float]) -> dict[str, Any]:
        o, nv, pv = summary(ours), summary(naive), summary(previous)
        return {
            "ours": o,
            "naive": nv,
            "previous": pv,
            "ratio_naive_over_ours": round(nv["median_ms"] / o["median_ms"], 1),
            "ratio_previous_over_ours": round(pv["median_ms"] / o["median_ms"], 1),
        }

    return {
        "n": n,
        "plot": plot,
        "repeat": repeat,
        "draw": block(ours_draw, naive_draw, prev_draw),
        "brush_frame": {
            **block(ours_brush, naive_brush, prev_brush),
            "hit_test_ours": summary(hits),
            "selected_points_median": int(statistics.median(counts)),
        },
    }


def measure_density(page, n: int, repeat: int, plot: str) -> dict[str, Any]:
    """One full redraw of `plot` at n points: density on, then points, in the same page."""
    page.evaluate(f"window.__explorer.loadSynthetic({n}, 5)")
    wait_until(page, f"window.__explorer.plots.{plot}.pointsDrawn === {n}")
    auto = page.evaluate(f"document.querySelector('#plot-{plot}').dataset.density")

    def series(mode: str) -> list[float]:
        page.select_option("#density-mode", mode)
        page.evaluate(f"window.__explorerBench.drawAll('{plot}')")  # warm: grid and caches
        return [page.evaluate(f"window.__explorerBench.drawAll('{plot}')") for _ in range(repeat)]

    dens = series("on")
    pts = series("off")
    page.select_option("#density-mode", "auto")
    d, pt = summary(dens), summary(pts)
    return {
        "n": n,
        "plot": plot,
        "auto_chose": auto,
        "density_redraw": d,
        "points_redraw": pt,
        "ratio_density_over_points": round(d["median_ms"] / pt["median_ms"], 2),
        "target_ms": 40,
    }


SHIFT_INIT = """
window.__shift = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__shift += e.value;
}).observe({type: 'layout-shift', buffered: true});
"""


def post_json(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def measure_layout_shift(browser, url: str) -> list[dict[str, Any]]:
    """Chromium's layout-shift sum: opening a trained iris experiment from its URL, then a Submit."""
    exp_id = post_json(
        url, "/api/experiments", {"dataset": "iris", "model": "ae", "config": {"epochs": 30}}
    )["id"]
    ready = "window.__explorer && window.__explorer.status === 'ready' && window.__explorer.metricsReady"
    out = []
    for width, height in ((1440, 900), (1280, 800)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_init_script(SHIFT_INIT)
        page = context.new_page()
        page.goto(f"{url}/?experiment={exp_id}&iteration=0")
        wait_until(page, ready, timeout=120)
        page.wait_for_timeout(500)
        opened = page.evaluate("window.__shift")
        page.locator("#legend .legend-item[data-class='1']").click()
        page.evaluate("window.__shift = 0")
        before = page.evaluate("window.__explorer.iterations")
        page.fill("#retrain-epochs", "5")
        page.click("#submit-button")
        wait_until(page, f"window.__explorer.iterations === {before + 1} && {ready}", timeout=120)
        page.wait_for_timeout(500)
        out.append(
            {
                "viewport": [width, height],
                "open_from_url": opened,
                "submit": page.evaluate("window.__shift"),
            }
        )
        context.close()
    return out


def train_mnist(url: str, timeout: float = 600) -> str | None:
    """A 1-epoch AE on MNIST's test images; its id once iteration 0 has coordinates."""
    body = json.dumps({"dataset": "mnist", "model": "ae", "config": {"epochs": 1}}).encode()
    req = urllib.request.Request(
        url + "/api/experiments", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            exp_id = json.load(r)["id"]
    except urllib.error.HTTPError as exc:  # e.g. the MNIST files are missing
        print(f"MNIST unavailable, skipping the JSON/binary comparison: {exc}", file=sys.stderr)
        return None
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/experiments/{exp_id}/iterations/0/embedding")
            return exp_id
        except urllib.error.HTTPError:
            time.sleep(0.5)
    return None


TRANSFER_JS = """
async ([base, repeat]) => {
  const out = { json: [], binary: [], page: [] };
  let jsonBytes = 0, binaryBytes = 0, columnsBytes = 0, n = 0;
  for (let r = 0; r < repeat + 2; r++) {
    let t = performance.now();
    const res = await fetch(base);
    const text = await res.text();
    const emb = JSON.parse(text);
    const tJson = performance.now() - t;
    jsonBytes = text.length; n = emb.n;

    t = performance.now();
    const bin = await fetch(base + "?format=f32");
    const buf = await bin.arrayBuffer();
    const k = Number(bin.headers.get("X-Points"));
    const x = new Float32Array(buf, 0, k), y = new Float32Array(buf, 4 * k, k);
    const tBin = performance.now() - t;
    binaryBytes = buf.byteLength;
    if (x.length !== n || y.length !== n) throw new Error("size mismatch");

    // What the page fetches for a new iteration: the binary coordinates and the selection
    // (labels come once per experiment).
    t = performance.now();
    const [b2, cols] = await Promise.all([
      fetch(base + "?format=f32").then((q) => q.arrayBuffer()),
      fetch(base + "?fields=selected").then((q) => q.text()),
    ]);
    JSON.parse(cols);
    const tPage = performance.now() - t;
    columnsBytes = cols.length;
    if (r >= 2) { out.json.push(tJson); out.binary.push(tBin); out.page.push(tPage); }
  }
  const labels = await (await fetch(base + "?fields=labels")).text();
  return { n, jsonBytes, binaryBytes, columnsBytes, labelsBytes: labels.length, ...out };
}
"""


def measure_transfer(page, url: str, exp_id: str, repeat: int) -> dict[str, Any]:
    base = f"{url}/api/experiments/{exp_id}/iterations/0/embedding"
    raw = page.evaluate(TRANSFER_JS, [base, repeat])
    json_t, bin_t = summary(raw["json"]), summary(raw["binary"])
    return {
        "n": raw["n"],
        "json_bytes": raw["jsonBytes"],
        "f32_bytes": raw["binaryBytes"],
        "labels_json_bytes_once_per_experiment": raw["labelsBytes"],
        "selected_json_bytes": raw["columnsBytes"],
        "bytes_ratio_json_over_f32": round(raw["jsonBytes"] / raw["binaryBytes"], 1),
        "json_fetch_parse": json_t,
        "f32_fetch_view": bin_t,
        "page_iteration_load_f32_plus_selected": summary(raw["page"]),
        "time_ratio_json_over_f32": round(json_t["median_ms"] / bin_t["median_ms"], 1),
    }


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=None, help="timed repeats (default 20, quick 5)")
    p.add_argument("--dpr", type=float, default=1.0, help="device pixel ratio of the page")
    p.add_argument("--plot", default="initial", choices=PLOTS, help="plot that is drawn/brushed")
    p.add_argument("--no-transfer", action="store_true", help="skip the MNIST JSON/binary part")
    p.add_argument(
        "--no-scale",
        action="store_true",
        help="skip the draw/brush baselines (density, shift only)",
    )
    args = p.parse_args()
    repeat = args.repeat or (5 if args.quick else 20)
    sizes = [10_000, 70_000]

    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        proc, url, log = start(tmp)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                context = browser.new_context(
                    viewport={"width": 1440, "height": 1000}, device_scale_factor=args.dpr
                )
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(url + "/")
                # Start-up ends by showing "no experiment" (clearing the plots): wait for it.
                wait_until(
                    page,
                    "window.__explorer && window.__explorer.loadSynthetic"
                    " && document.querySelector('#param-epochs')",
                )
                page.evaluate(NAIVE_JS)
                results["machine"] = {
                    "platform": platform.platform(),
                    "cpu_count": os.cpu_count(),
                    "chromium": browser.version,
                    "chromium_args": CHROMIUM_ARGS,
                    "viewport": [1440, 1000],
                    "device_pixel_ratio": args.dpr,
                    "canvas_px": page.evaluate(
                        "(() => { const c = document.querySelector('#plot-initial canvas');"
                        " return [c.width, c.height]; })()"
                    ),
                }
                if not args.no_scale:
                    results["scale"] = [measure_scale(page, n, repeat, args.plot) for n in sizes]
                results["density_70k"] = measure_density(page, 70_000, repeat, args.plot)
                results["layout_shift"] = measure_layout_shift(browser, url)
                if not args.no_transfer:
                    exp_id = train_mnist(url)
                    if exp_id:
                        results["transfer_10k"] = measure_transfer(page, url, exp_id, repeat)
                results["page_errors"] = errors
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    results["table"] = table(results.get("scale", []))
    d = results["density_70k"]
    results["table"].append(
        f"density redraw at {d['n']:,}: {d['density_redraw']['median_ms']} ms median"
        f" (points {d['points_redraw']['median_ms']} ms; target <= {d['target_ms']} ms); auto chose {d['auto_chose']}"
    )
    for r in results["layout_shift"]:
        results["table"].append(
            f"layout shift {r['viewport'][0]}x{r['viewport'][1]}: open from URL {r['open_from_url']}, Submit {r['submit']}"
        )
    emit("browser", results, args.json)
    return 0


def table(rows: list[dict[str, Any]]) -> list[str]:
    """One line per measure, for reading at a glance (the JSON has everything)."""
    out = ["n       what         ours med/p95 ms    naive med/p95 ms    naive/ours  prev/ours"]
    for r in rows:
        for key in ("draw", "brush_frame"):
            b = r[key]
            o, nv = b["ours"], b["naive"]
            out.append(
                f"{r['n']:<7} {key:<12} {o['median_ms']:7.2f} / {o['p95_ms']:<7.2f}"
                f"  {nv['median_ms']:8.1f} / {nv['p95_ms']:<8.1f}"
                f"  {b['ratio_naive_over_ours']:>9}x  {b['ratio_previous_over_ours']:>8}x"
            )
    return out


if __name__ == "__main__":
    sys.exit(main())
