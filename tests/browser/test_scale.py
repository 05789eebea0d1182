"""70,000 points in every plot: all drawn, and brush / lasso select exactly the right ones.

The points are synthetic, put into the page through its test hook
(``window.__explorer.loadSynthetic``), so no 70,000-point training is needed. Each gesture's
geometry is read back in data space (float64) from the plot's stats, and the expected
selection is recomputed here with the same arithmetic. No timing is asserted (see
benchmarks/bench_browser.py for that).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, drag, hook, selected_count, wait_until

pytestmark = pytest.mark.browser

N = 70_000
PLOTS = ("initial", "selected", "all")


def coords(page, plot: str) -> tuple[np.ndarray, np.ndarray]:
    c = page.evaluate(f"{HOOK}.plotCoords('{plot}')")
    assert c["ids"] is None  # every plot shows all points here: row i is point id i
    return np.asarray(c["x"], dtype=np.float64), np.asarray(c["y"], dtype=np.float64)


def gesture(page, plot: str, method: str, previous=None) -> dict:
    """The plot's last gesture, once a redraw has published it."""
    wait_until(
        page,
        f"{HOOK}.plots.{plot}.gesture && {HOOK}.plots.{plot}.gesture.method === '{method}'",
    )
    g = hook(page, f"plots.{plot}.gesture")
    assert g != previous
    return g


def in_rect(x, y, g) -> np.ndarray:
    (x0, x1), (y0, y1) = g["x"], g["y"]
    return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


def in_polygon(x, y, polygon) -> np.ndarray:
    """Even-odd ray casting with the page's arithmetic, in the same order (float64)."""
    inside = np.zeros(x.shape, dtype=bool)
    for i in range(len(polygon)):
        xi, yi = polygon[i]
        xj, yj = polygon[i - 1]
        crosses = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ((xj - xi) * (y - yi)) / (yj - yi) + xi
        inside ^= crosses & (x < at)
    return inside


def selected_ids(page) -> np.ndarray:
    return np.asarray(hook(page, "selectedIds()"), dtype=np.int64)


def test_70k_points_draw_brush_and_lasso(page, server_url):
    page.goto(server_url + "/")
    # The page's own start-up ends by showing "no experiment" (clearing the plots): wait for it.
    wait_until(page, f"{HOOK} && {HOOK}.loadSynthetic && document.querySelector('#param-epochs')")
    assert page.evaluate(f"{HOOK}.loadSynthetic({N}, 3)") == {"n": N}
    wait_until(page, " && ".join(f"{HOOK}.plots.{p}.pointsDrawn === {N}" for p in PLOTS))
    for p in PLOTS:
        assert hook(page, f"plots.{p}.pointsDrawn") == N
        assert page.get_attribute(f"#plot-{p}", "data-points") == str(N)
        assert hook(page, f"plots.{p}.visiblePoints") == N
    assert page.get_attribute("#selection-count", "data-total") == str(N)
    shot(page, "10-scale-70k")

    # Brush on plot 1 (Replace). Gestures start in an empty corner of the plot: the synthetic
    # classes sit on a ring, and a hover over a point would ask the server for its tooltip.
    page.check("input[name=tool][value=brush]")
    drag(page, "#plot-initial", [(0.02, 0.02), (0.3, 0.25), (0.55, 0.5)])
    brush = gesture(page, "initial", "brush")
    x1, y1 = coords(page, "initial")
    expected = np.flatnonzero(in_rect(x1, y1, brush))
    assert 1_000 < expected.size < N
    assert brush["count"] == expected.size
    assert selected_count(page) == expected.size == hook(page, "selectionSize")
    np.testing.assert_array_equal(selected_ids(page), expected)
    shot(page, "11-scale-70k-brushed")

    # Add a second rectangle brushed on plot 2: the union.
    page.check("input[name=sel-op][value=add]")
    drag(page, "#plot-selected", [(0.98, 0.98), (0.7, 0.7), (0.45, 0.55)])
    brush2 = gesture(page, "selected", "brush")
    x2, y2 = coords(page, "selected")
    union = np.union1d(expected, np.flatnonzero(in_rect(x2, y2, brush2)))
    assert union.size > expected.size
    assert selected_count(page) == union.size
    np.testing.assert_array_equal(selected_ids(page), union)

    # Lasso on plot 3 (Replace): a freehand loop with many vertices.
    page.check("input[name=sel-op][value=replace]")
    page.check("input[name=tool][value=lasso]")
    loop = [(0.02, 0.98)] + [
        (0.5 + 0.3 * np.cos(t), 0.5 + 0.35 * np.sin(t)) for t in np.linspace(0.3, 5.9, 24)
    ]
    drag(page, "#plot-all", [*loop, (0.03, 0.97)])
    lasso = gesture(page, "all", "lasso")
    assert len(lasso["polygon"]) > 20
    x3, y3 = coords(page, "all")
    inside = np.flatnonzero(in_polygon(x3, y3, lasso["polygon"]))
    assert 1_000 < inside.size < N
    assert selected_count(page) == inside.size == lasso["count"]
    np.testing.assert_array_equal(selected_ids(page), inside)
    shot(page, "12-scale-70k-lasso")

    # Escape clears; the plots still hold every point.
    page.keyboard.press("Escape")
    assert selected_count(page) == 0
    assert all(hook(page, f"plots.{p}.pointsDrawn") == N for p in PLOTS)
    assert page.console_errors == []
