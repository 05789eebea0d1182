"""The brush by keyboard alone (issue 14: keyboard operation of every control), in headless
Chromium: Tab reaches a plot, its keys are shown, Enter / arrows / Shift+arrows place a
rectangle, Enter selects exactly the points inside it (recomputed here from the plot's own
coordinates, as for a mouse brush in test_scale.py) with the toolbar's mode, Undo takes it back,
Esc cancels without clearing the selection, and nothing shifts or fails the axe-core audit.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, hook, selected_count, train, wait_until
from tests.browser.test_layout import CLS_START, axe_violations, new_page
from tests.browser.test_scale import gesture, in_rect

pytestmark = pytest.mark.browser

PLOT = "#plot-initial"


def points_in(page, g: dict) -> set[int]:
    c = page.evaluate(f"{HOOK}.plotCoords('initial')")
    x = np.asarray(c["x"], dtype=np.float64)
    y = np.asarray(c["y"], dtype=np.float64)
    rows = np.flatnonzero(in_rect(x, y, g))
    ids = c["ids"]
    return {int(ids[r]) if ids is not None else int(r) for r in rows}


def press(page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def live(page) -> str:
    return page.locator(f"{PLOT} .plot-live").text_content() or ""


def test_brush_by_keyboard_selects_the_rectangle_and_undoes(browser, server_url):
    page = new_page(browser, (1440, 900))
    train(page, server_url, dataset="iris", model="ae", epochs=30)
    page.check("input[name=tool][value=brush]")
    page.evaluate(CLS_START)

    # Tab from the plot's last header button lands on the plot; its keys are shown.
    page.locator(f"{PLOT} .plot-header .plot-button").last.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('plot-svg')")
    assert page.evaluate("document.activeElement.closest('.plot').id") == "plot-initial"
    hint = page.locator(f"{PLOT} .plot-keys")
    assert hint.is_visible()
    assert "Enter starts a rectangle" in (hint.text_content() or "")
    assert axe_violations(page) == []

    # A rectangle over the whole view (to the top-left corner, then grown), Replace.
    press(page, "Enter")
    assert page.locator(f"{PLOT} .key-brush-layer .selection").is_visible()
    press(page, "ArrowLeft", 12)
    press(page, "ArrowUp", 12)
    press(page, "Shift+ArrowRight", 12)
    press(page, "Shift+ArrowDown", 12)
    assert "points in the rectangle" in live(page)
    shot(page, "70-keyboard-brush")
    press(page, "Enter")
    whole = gesture(page, "initial", "brush")
    everything = points_in(page, whole)
    assert len(everything) > 100
    assert set(hook(page, "selectedIds()")) == everything
    assert selected_count(page) == len(everything) == whole["count"]
    assert f"{len(everything)} points from the rectangle" in live(page)
    assert not page.locator(f"{PLOT} .key-brush-layer .selection").is_visible()

    # Subtract the default rectangle (the middle of the view): exactly its points go.
    page.check("input[name=sel-op][value=subtract]")
    page.locator(f"{PLOT} .plot-svg").focus()
    press(page, "Enter")
    press(page, "ArrowRight")
    press(page, "Shift+ArrowUp")
    press(page, "Enter")
    wait_until(page, f"{HOOK}.plots.initial.gesture.count !== {whole['count']}")
    middle = gesture(page, "initial", "brush", previous=whole)
    assert set(hook(page, "selectedIds()")) == everything - points_in(page, middle)
    assert middle["count"] == len(points_in(page, middle))

    # Esc cancels the rectangle and leaves the selection as it was; Undo takes the brushes back.
    before = selected_count(page)
    press(page, "Enter")
    press(page, "Escape")
    assert selected_count(page) == before
    assert live(page) == "Rectangle cancelled"
    # Placing, showing and applying rectangles moved nothing on the page.
    assert page.evaluate("window.__shift") == 0, page.evaluate("window.__shifts")

    # In an enlarged plot, too, Esc first cancels the rectangle; the next Esc shrinks the plot.
    page.click("#plot-initial .enlarge")
    wait_until(page, f"{HOOK}.enlarged === 'initial'")
    page.locator(f"{PLOT} .plot-svg").focus()
    press(page, "Enter")
    press(page, "Escape")
    assert hook(page, "enlarged") == "initial"
    assert selected_count(page) == before
    press(page, "Escape")
    wait_until(page, f"{HOOK}.enlarged === null")
    assert selected_count(page) == before
    page.locator(f"{PLOT} .plot-svg").focus()
    press(page, "Control+z")
    assert selected_count(page) == len(everything)
    press(page, "Control+z")
    assert selected_count(page) == 0

    # The Lasso offers the same rectangle by keyboard.
    page.check("input[name=sel-op][value=replace]")
    page.check("input[name=tool][value=lasso]")
    page.locator(f"{PLOT} .plot-svg").focus()
    press(page, "Tab")
    press(page, "Shift+Tab")  # a keyboard move, so focus is visible as for a keyboard user
    assert "Lasso uses a rectangle" in (hint.text_content() or "")
    assert hint.is_visible()
    press(page, "Enter")
    press(page, "Enter")
    wait_until(page, f"{HOOK}.plots.initial.gesture.x[0] !== {middle['x'][0]!r}")
    centre = gesture(page, "initial", "brush", previous=middle)  # a rectangle, recorded as one
    assert set(hook(page, "selectedIds()")) == points_in(page, centre)
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.context.close()
