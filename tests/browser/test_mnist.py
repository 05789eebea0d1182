"""The slow tier: MNIST (10,000 test images) through the page, as an analyst would."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, selected_count, submit, train, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_mnist_train_select_submit_and_see_forgetting(page, server_url):
    train(page, server_url, dataset="mnist", model="ae", epochs=3, timeout=300_000)
    assert hook(page, "plots.initial.pointsDrawn") == 10_000
    page.locator("#legend .legend-item[data-class='3']").click()
    assert selected_count(page) == 1010  # the test set holds 1,010 threes
    submit(page, epochs=2, timeout=300_000)
    assert hook(page, "plots.selected.pointsDrawn") == 1010
    assert hook(page, "plots.all.pointsDrawn") == 10_000
    wait_until(page, "document.querySelectorAll('#images-panel canvas').length >= 6")
    shot(page, "20-mnist-submitted")
    exp_id = hook(page, "experimentId")
    met = api(server_url, f"/api/experiments/{exp_id}/iterations/1/metrics")
    assert met["measured"] and met["metrics"]["selected"]["n_points"] == 1010
    wait_until(page, f"{HOOK}.metricsReady === true", timeout=300_000)
    assert page.console_errors == []
