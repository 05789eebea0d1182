"""A plot exported as a figure shows what the plot shows: with "Shapes" on, each class keeps its
shape (disc, square, diamond: for colour-blind readers and grey-scale print), in the points and
in the legend; the rings Find draws come along. Both failed before: the SVG held discs only, in
class colours, and no ring. The PNG is the same SVG rasterised, so it changes with them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.browser.test_explorer import HOOK, train, wait_until
from tests.browser.test_persistence import (
    PNG_SIGNATURE,
    SVG_NS,
    download,
    new_page,
    open_menu,
)

pytestmark = pytest.mark.browser

PLOT_SVG = "#export-menu tr[data-plot=initial] button[data-format=svg]"
PLOT_PNG = "#export-menu tr[data-plot=initial] button[data-format=png]"


def export(page, selector: str) -> bytes:
    open_menu(page, "export-menu")
    _, body = download(page, selector)
    return body


def points_group(svg: ET.Element) -> ET.Element:
    """The clipped group that holds the points (and Find's rings)."""
    (group,) = [g for g in svg.iter(f"{SVG_NS}g") if g.get("clip-path")]
    return group


def test_exports_keep_shapes_and_find_rings(browser, server_url):
    page = new_page(browser)
    train(page, server_url, dataset="iris", model="ae", epochs=10)
    plain_png = export(page, PLOT_PNG)
    assert plain_png.startswith(PNG_SIGNATURE)

    # Shapes: iris' three classes are discs, squares and diamonds, 50 of each.
    page.check("#shapes-toggle")
    wait_until(page, "document.querySelector('#plot-initial').dataset.shapes === 'on'")
    svg = ET.fromstring(export(page, PLOT_SVG))
    group = points_group(svg)
    assert len(group.findall(f".//{SVG_NS}rect[@data-shape='square']")) == 50
    assert len(group.findall(f".//{SVG_NS}polygon[@data-shape='diamond']")) == 50
    assert len(group.findall(f".//{SVG_NS}circle")) == 50  # setosa's discs
    legend = next(g for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "figure-legend")
    assert [m.get("data-shape") for m in legend.iter() if m.get("data-shape")] == [
        "square",
        "diamond",
    ]  # setosa's entry is a disc, without the attribute
    shapes_png = export(page, PLOT_PNG)
    assert shapes_png.startswith(PNG_SIGNATURE) and shapes_png != plain_png

    # Find rings: a white ring under a magenta one around each of setosa's 50 points.
    page.fill("#find-input", "setosa")
    wait_until(page, f"{HOOK}.find.count === 50")
    svg = ET.fromstring(export(page, PLOT_SVG))
    rings = [g for g in points_group(svg).iter(f"{SVG_NS}g") if g.get("class") == "found-rings"]
    assert [g.get("stroke") for g in rings] == ["#ffffff", "#d10069"]
    assert [len(g.findall(f"{SVG_NS}circle")) for g in rings] == [50, 50]
    assert export(page, PLOT_PNG) != shapes_png
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.context.close()
