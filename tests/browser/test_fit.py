"""Words that must fit, at 1440x900 and 1280x800 (screenshot defects after a "× 10" Submit):
the progress panel's status line, the three plot titles, the iteration chips in the side
column, the toolbar's controls and the metrics table's column names were cut off, and the panel named only the first of the ten
iterations it trained. Each check here failed on the code before the fix."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, train, wait_until
from tests.browser.test_layout import new_page

pytestmark = pytest.mark.browser

# Elements whose content is wider (or taller) than their box: text cut off or hidden behind
# an ellipsis. One pixel of slack for sub-pixel rounding.
CLIPPED = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.getClientRects().length)
  .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
  .map((e) => `${e.id || e.className}: "${e.textContent.trim().slice(0, 60)}" `
    + `${e.scrollWidth}x${e.scrollHeight} in ${e.clientWidth}x${e.clientHeight}`)"""

# Iteration chips outside their row's box sideways, or the current one out of view.
CHIPS_OUTSIDE = """() => {
  const box = document.querySelector('#history .history-chips');
  const side = document.querySelector('.side').getBoundingClientRect();
  const b = box.getBoundingClientRect();
  const out = [];
  for (const chip of box.querySelectorAll('.chip')) {
    const r = chip.getBoundingClientRect();
    if (r.left < b.left - 1 || r.right > b.right + 1 || r.right > side.right) out.push(chip.textContent);
  }
  const current = box.querySelector('.chip.is-current').getBoundingClientRect();
  if (current.top < b.top - 1 || current.bottom > b.bottom + 1) out.push('current chip out of view');
  if (box.scrollWidth > box.clientWidth + 1) out.push(`scrolls sideways: ${box.scrollWidth} in ${box.clientWidth}`);
  return out;
}"""


def assert_everything_fits(page, label: str) -> None:
    for selector in (
        ".plot-title",
        "#progress-panel .progress-label",
        "#progress-panel .progress-text",
        "#metrics-panel thead th",
        ".toolbar fieldset, .toolbar input, .toolbar label, .toolbar button, .toolbar select",
    ):
        assert page.evaluate(CLIPPED, selector) == [], f"{label}: {selector}"
    assert page.evaluate(CHIPS_OUTSIDE) == [], label


def test_a_repeated_submit_names_its_iterations_and_every_word_fits(browser, server_url):
    page = new_page(browser, (1280, 800))
    train(page, server_url, dataset="iris", model="ae", epochs=10)
    page.locator("#legend .legend-item[data-class='0']").click()
    page.fill("#retrain-epochs", "1")
    page.fill("#retrain-repeat", "10")
    page.click("#submit-button")
    wait_until(
        page,
        f"{HOOK}.iterations === 11 && {HOOK}.status === 'ready' && {HOOK}.metricsReady === true "
        f"&& {HOOK}.plots.all.iteration === 10",
        timeout=240_000,
    )
    page.click("#tab-history")

    # The panel names the ten iterations it trained (it said "Trained iteration 1").
    head = page.inner_text("#progress-panel .progress-label")
    assert head == "Trained iterations 1–10 (× 10)", head
    text = page.inner_text("#progress-panel .progress-text")
    assert text.startswith("done · 1 epoch in"), text  # was "1 epochs"
    # One epoch was asked for: nothing to explain about a cap on blank epochs.
    assert "capped" not in text, text

    for width, height in ((1280, 800), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        wait_until(page, f"window.innerWidth === {width}")
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        assert page.inner_text("#plot-selected .plot-title") == "Selected points, iteration 10"
        assert_everything_fits(page, f"{width}x{height}")
        # The buttons that gave their room to the titles keep their names.
        assert page.get_attribute("#plot-all .reset-zoom", "aria-label") == "Reset zoom"
        assert page.get_attribute("#plot-all .enlarge", "aria-label") == "Enlarge"
        shot(page, f"70-fit-after-repeat-{width}x{height}")

    # The repetition field shows both digits of "10".
    assert page.evaluate(CLIPPED, "#retrain-repeat") == []
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.context.close()
