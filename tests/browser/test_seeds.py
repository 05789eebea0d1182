"""Seeds in real headless Chromium: iris trained with 3 seeds, a Submit, the ranges across
seeds in the metric cells, the verdict in words under the tables, the aligned seeds as small
multiples, and colouring by stability."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, hook, selected_count, submit, wait_until

pytestmark = pytest.mark.browser

PANEL = "#metrics-panel"
MULTIPLES = f"{PANEL} .seed-multiples"

# How many of each small map's pixels are painted (a blank canvas would pass a count check).
PAINTED = """(sel) => [...document.querySelectorAll(sel + ' canvas')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})"""


def _multiples_drawn(page, seeds: list[int]) -> None:
    """One small map per seed, the shown seed first, each with points on it."""
    wait_until(page, f"document.querySelector('{MULTIPLES}')?.dataset.state === 'done'", 60_000)
    assert page.inner_text(f"{MULTIPLES} .seed-multiples-title") == "Seeds, aligned"
    figures = page.locator(f"{MULTIPLES} .seed-multiple")
    assert figures.count() == len(seeds)
    assert [figures.nth(i).get_attribute("data-seed") for i in range(len(seeds))] == [
        str(s) for s in seeds
    ]
    assert figures.nth(0).locator("figcaption").inner_text() == f"Seed {seeds[0]} (shown)"
    painted = page.evaluate(PAINTED, MULTIPLES)
    assert len(painted) == len(seeds) and all(n > 50 for n in painted), painted


def test_iris_three_seeds_ranges_verdict_and_stability(page, server_url):
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", "iris")
    page.click("details#train-settings > summary")
    # Few epochs, no early stop: the defaults train to convergence, which is slow for a test.
    page.fill("#param-epochs", "30")
    if page.locator("#param-patience").count():
        page.fill("#param-patience", "0")
    assert page.input_value("#param-seeds") == "1"  # one seed unless asked
    assert "random start" in page.inner_text("#seeds-help")
    page.fill("#param-seeds", "3")
    shot(page, "59-seeds-setting")
    page.click("#train-button")
    wait_until(page, f"{HOOK}.status === 'ready' && {HOOK}.plots.initial.pointsDrawn > 0", 120_000)
    exp_id = hook(page, "experimentId")

    # Iteration 0: once the other two seeds are in, each cell shows the range across seeds.
    wait_until(page, f"document.querySelector('{PANEL}').dataset.seeds === 'done'", 180_000)
    cell = page.locator(
        f'{PANEL} td[data-table="before"][data-group="all"][data-metric="trustworthiness"]'
    )
    text = cell.locator(".seed-interval").inner_text()
    assert "±" in text and text.endswith("(3 seeds)"), text
    seeds = page.evaluate(
        f"fetch('/api/experiments/{exp_id}/iterations/0/seeds').then(r => r.json())"
    )
    _multiples_drawn(page, seeds["seeds"])

    # A Submit on one class: the After table gets ranges, and the verdict comes in words.
    page.locator("#legend .legend-item[data-class='0']").click()
    assert selected_count(page) == 50
    submit(page, epochs=5)
    wait_until(
        page,
        f"document.querySelector('{PANEL}').dataset.seeds === 'done' && "
        f"document.querySelector('{PANEL} .seeds-verdict') !== null",
        180_000,
    )
    after = page.locator(
        f'{PANEL} td[data-table="after"][data-group="selected"][data-metric="trustworthiness"]'
    )
    assert after.locator(".seed-interval").inner_text().endswith("(3 seeds)")
    verdict = page.inner_text(f"{PANEL} .seeds-verdict")
    assert verdict.startswith("Selected points: Across 3 seeds, trustworthiness")
    assert "seed-to-seed spread" in verdict
    assert "points move on average" in page.inner_text(f"{PANEL} .seeds-stability")
    _multiples_drawn(page, seeds["seeds"])
    page.locator(MULTIPLES).scroll_into_view_if_needed()
    shot(page, "61-iris-seeds-aligned")

    # Colour by displacement: both iterations' values, each plot by its own iteration.
    page.select_option("#colour-by", "pp:stability_displacement")
    wait_until(page, f"{HOOK}.colourBy === 'pp:stability_displacement'")
    wait_until(page, "document.querySelector('#colour-legend .legend-min') !== null", 60_000)
    lo = float(page.get_attribute("#colour-legend .legend-min", "data-value"))
    hi = float(page.get_attribute("#colour-legend .legend-max", "data-value"))
    assert 0 <= lo < hi
    assert "(grey)" not in page.inner_text("#colour-legend")
    shot(page, "60-iris-three-seeds")
    assert exp_id and page.console_errors == []  # type: ignore[attr-defined]
