"""Training shown live in the page: plot 1 moves from the first epoch on, the held-out error
is named while training to convergence, and "Stop & keep" ends training with the model the
plot shows (issue 15)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, submit, wait_until

pytestmark = pytest.mark.browser


def _start(page, server_url, *, epochs: int, patience: int) -> None:
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", "iris")
    page.select_option("#model-select", "ae")
    page.click("details#train-settings > summary")
    page.fill("#param-epochs", str(epochs))
    page.fill("#param-patience", str(patience))
    page.click("#train-button")


def test_the_map_moves_while_it_trains_and_stop_keeps_it(page, server_url):
    # 2,000 epochs and no patience: the training runs until "Stop & keep" is pressed.
    _start(page, server_url, epochs=2000, patience=0)
    title = "#plot-initial .plot-title"
    # Live frames: plot 1 holds all 150 points while iteration 0 is not stored yet.
    wait_until(
        page,
        f"{HOOK}.status === 'training' && {HOOK}.iterations === 0 "
        f"&& {HOOK}.plots.initial.pointsDrawn === 150 "
        "&& document.querySelector('#plot-initial .plot-title').textContent.includes('epoch')",
        timeout=120_000,  # the first job of a session may wait for a worker on a loaded machine
    )
    first = page.inner_text(title)
    assert first.startswith("Iteration 0 · training, epoch")
    # Frames keep coming: the epoch in the title goes up.
    wait_until(
        page,
        "(() => { const t = document.querySelector('#plot-initial .plot-title').textContent;"
        f" return t !== {first!r} && t.includes('training, epoch'); }})()",
    )
    assert page.is_visible("#stop-button")
    shot(page, "live-training")
    page.click("#stop-button")
    wait_until(
        page,
        f"{HOOK}.status === 'ready' && {HOOK}.iterations === 1 && {HOOK}.metricsReady === true",
        timeout=120_000,
    )
    exp = api(server_url, f"/api/experiments/{hook(page, 'experimentId')}")
    assert 1 <= exp["iterations"][0]["epochs"] < 2000
    assert page.inner_text(title) == "Before: iteration 0"  # stored: it replaced the frames
    assert not page.is_visible("#stop-button")
    assert page.console_errors == []


def test_training_to_convergence_names_its_held_out_error_and_submits_live(page, server_url):
    # The default patience: the status line names the held-out error that decides the stop.
    _start(page, server_url, epochs=400, patience=10)
    wait_until(
        page,
        "document.querySelector('#progress-panel .progress-text').textContent"
        ".includes('held-out error')",
    )
    text = page.inner_text("#progress-panel .progress-text")
    assert "lowest" in text and "loss" not in text
    wait_until(page, f"{HOOK}.status === 'ready' && {HOOK}.metricsReady === true", timeout=120_000)
    # A Submit's fine-tune is drawn live in plot 3 too, and ends on its stored iteration.
    page.locator("#legend .legend-item[data-class='0']").click()
    wait_until(page, f"{HOOK}.selectionSize === 50")
    submit(page, epochs=60)
    assert page.inner_text("#plot-all .plot-title") == "All points, iteration 1"
    assert page.console_errors == []
