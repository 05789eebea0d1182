"""While a measure job runs, the metrics table shows its estimates, marked as such, until the
exact values replace them (real Chromium, real server, iris)."""

from __future__ import annotations

import time

import pytest

from tests.browser.test_explorer import HOOK, api, start_training, wait_until

pytestmark = pytest.mark.browser

PANEL = "#metrics-panel"
CELL = "td[data-table='before'][data-group='all'][data-metric='{metric}']"


def test_estimates_shown_then_replaced_by_exact_values(page, server_url):
    # Iris is measured in a blink, so the test holds the page's view of the result: the first
    # GET .../metrics answers "not measured yet" (as it would a moment earlier), later ones
    # wait until the estimates have been checked. The events stream is untouched.
    requests = {"count": 0, "released": False}
    held = []

    def metrics(route):
        response = route.fetch()
        requests["count"] += 1
        if requests["released"]:
            route.fulfill(response=response)
        elif requests["count"] == 1:
            body = {**response.json(), "measured": False, "metrics": None, "parent_metrics": None}
            route.fulfill(response=response, json=body)
        else:
            held.append((route, response))

    page.route("**/api/experiments/*/iterations/0/metrics", metrics)
    start_training(page, server_url, dataset="iris", model="ae", epochs=5)

    t_cell = f"{PANEL} {CELL.format(metric='trustworthiness')}"
    c_cell = f"{PANEL} {CELL.format(metric='continuity')}"
    # The server's last estimate is exact (all rows measured): wait for it on the page.
    wait_until(
        page,
        f"document.querySelector(\"{PANEL}[data-estimates='exact'] {CELL.format(metric='trustworthiness')}.is-estimate\")",
        timeout=120_000,
    )
    exp_id = page.evaluate(f"{HOOK}.experimentId")
    # The last estimate leaves the pass before the job stores its tables: ask until it has.
    path = f"/api/experiments/{exp_id}/iterations/0/metrics"
    deadline = time.monotonic() + 60
    while not (answer := api(server_url, path))["measured"]:
        assert time.monotonic() < deadline, "the measure job did not store its tables"
        page.wait_for_timeout(100)
    exact = answer["metrics"]["all"]
    for selector, key in ((t_cell, "trustworthiness"), (c_cell, "continuity")):
        cell = page.locator(selector)
        assert "is-estimate" in cell.get_attribute("class")
        # The last estimate is the exact value, to the last bit.
        assert float(cell.get_attribute("data-estimate")) == exact[key]
        assert cell.inner_text().strip() == f"{exact[key]:.3f}"
        assert "full table follows" in cell.get_attribute("title")
        # Muted: the estimate's colour is not the colour of ordinary values.
        colour = cell.evaluate("td => getComputedStyle(td).color")
        plain = page.locator(f"{PANEL} td[data-metric='n_points']").first.evaluate(
            "td => getComputedStyle(td).color"
        )
        assert colour != plain
    assert (
        "of all 150 points are measured"
        in page.locator(f"{PANEL} .metrics-estimate-note").inner_text()
    )

    requests["released"] = True
    for route, response in held:
        route.fulfill(response=response)
    wait_until(page, f"{HOOK}.metricsReady && {HOOK}.status === 'ready'", timeout=60_000)
    wait_until(page, f'!document.querySelector("{PANEL} .is-estimate")')
    for selector, key in ((t_cell, "trustworthiness"), (c_cell, "continuity")):
        cell = page.locator(selector)
        assert float(cell.get_attribute("data-value")) == exact[key]
        assert cell.get_attribute("data-estimate") is None
    assert page.locator(f"{PANEL} .metrics-estimate-note").count() == 0
    assert page.console_errors == []


def test_ready_only_once_the_tables_are_on_the_page(page, server_url):
    # The tables' answers are held until the job is over, so the stream's "idle" (no job left)
    # comes while the page still fetches them: "ready" must wait for them, as it does when an
    # experiment is reopened (it said "iteration 0 shown" over empty tables).
    held = []
    release = {"now": False}

    def metrics(route):
        if release["now"]:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/experiments/*/iterations/0/metrics", metrics)
    start_training(page, server_url, dataset="iris", model="ae", epochs=5)
    # Only "idle" says "done" while the tables are held ("measured" first fills them).
    wait_until(
        page, "document.querySelector('#progress-panel').dataset.state === 'done'", timeout=120_000
    )
    assert held, "the page asked for no tables"
    assert page.evaluate(f"{HOOK}.status") != "ready"
    assert page.evaluate(f"{HOOK}.metricsReady") is False
    assert "shown" not in page.inner_text("#status")

    release["now"] = True
    for route in held:
        route.continue_()
    wait_until(page, f"{HOOK}.status === 'ready' && {HOOK}.metricsReady", timeout=60_000)
    assert "iteration 0 shown" in page.inner_text("#status")
    assert page.get_attribute("#metrics-panel", "data-state") == "ready"
    assert page.console_errors == []
