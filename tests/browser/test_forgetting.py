""" "× 10" from the page: ten chained fine-tunes, the forgetting chart, the change rows and the
same-digits strip, in real headless Chromium (8x8 digits: images, and quick)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, selected_count, train, wait_until
from tests.browser.test_persistence import download

pytestmark = pytest.mark.browser

LEFT_OUT = {6, 8}


def select_all_but(page, left_out: set[int]) -> None:
    page.check("input[name=sel-op][value=add]")
    for c in range(10):
        if c not in left_out:
            page.locator(f"#legend .legend-item[data-class='{c}']").click()


def test_repeat_ten_shows_what_each_class_forgot(page, server_url):
    train(page, server_url, dataset="digits", model="ae", epochs=10)
    select_all_but(page, LEFT_OUT)
    n_selected = selected_count(page)
    assert 1400 < n_selected < 1500  # digits: about 180 per class, 8 classes

    page.fill("#retrain-epochs", "3")
    page.fill("#retrain-repeat", "10")
    page.click("#submit-button")
    # The progress panel counts the repetitions while the sequence runs.
    wait_until(page, "document.querySelector('#progress-panel').dataset.repetitions === '10'")
    assert "of 10" in page.text_content("#progress-panel .progress-text")
    # The forgetting view already showed iteration 10 from its plots, before the tables were
    # measured; metricsReady starts another fetch of it, and only that one adds the change
    # rows to the tables: wait for them, not for the first view.
    wait_until(
        page,
        f"{HOOK}.iterations === 11 && {HOOK}.status === 'ready' && {HOOK}.metricsReady "
        f"&& {HOOK}.forgetting?.iteration === 10 "
        "&& document.querySelector('#metrics-panel .class-change li')",
        timeout=240_000,
    )
    exp_id = hook(page, "experimentId")
    exp = api(server_url, f"/api/experiments/{exp_id}")
    assert [it["parent"] for it in exp["iterations"]] == [None, *range(10)]
    assert all(it["n_selected"] == n_selected for it in exp["iterations"][1:])

    # The chart (in the side column's Details tab): one line per class over iterations 0-10,
    # solid for the selected classes.
    page.click("#tab-images")
    panel = page.locator("#forgetting-panel")
    assert panel.get_attribute("data-lines") == "10"
    assert panel.get_attribute("data-iterations") == "11"
    lines = page.locator("#forgetting-panel g.forgetting-line")
    assert lines.count() == 10
    for c in range(10):
        line = page.locator(f"#forgetting-panel g.forgetting-line[data-class='{c}']")
        solid = line.get_attribute("data-solid") == "true"
        assert solid == (c not in LEFT_OUT), c
        dash = line.locator("path").get_attribute("stroke-dasharray")
        assert (dash is None) == solid, c
        assert line.locator("circle").count() == 11
    # The tabs switch to per-class T and NH (measured: every iteration has them).
    page.click("#forgetting-panel button[data-tab='trustworthiness']")
    assert panel.get_attribute("data-tab") == "trustworthiness"
    assert page.locator("#forgetting-panel g.forgetting-line").count() == 10
    page.click("#forgetting-panel button[data-tab='reconstruction_error']")

    # The change rows in the metrics panel agree with the API.
    report = api(server_url, f"/api/experiments/{exp_id}/iterations/10/forgetting")
    rows = page.locator("#metrics-panel .class-change li")
    assert rows.count() == 10
    for cls in report["classes"]:
        text = page.text_content(f"#metrics-panel .class-change li[data-class='{cls['name']}']")
        assert text.startswith(cls["change"]["text"])
        role = "not in the selection" if int(cls["name"]) in LEFT_OUT else "in the selection"
        assert role in text
    assert "class 6: +" in page.text_content("#metrics-panel .class-change li[data-class='6']")

    # The strip: one row per class, columns original + iterations 0..10, one digit each.
    strip = page.locator("#reconstruction-strip")
    assert strip.get_attribute("data-kind") == "image"
    assert strip.get_attribute("data-rows") == "10"
    assert strip.get_attribute("data-columns") == "12"
    assert page.locator("#reconstruction-strip canvas.strip-image").count() == 10 * 12
    header = page.locator("#reconstruction-strip thead th").all_text_contents()
    assert header == ["class", "original", *[str(k) for k in range(11)]]

    page.locator("#forgetting-panel").scroll_into_view_if_needed()
    shot(page, "30-digits-repeat-10-forgetting")

    # The export menu offers the report as CSV: one row per class and iteration.
    page.click("#export-menu > summary")
    name, body = download(page, "#export-menu a[data-export=forgetting-csv]")
    assert name == "digits-ae-iteration10-forgetting.csv"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 10 * 11 and rows[-1]["iteration"] == "10"
    assert page.console_errors == []


def test_repeat_cancel_stops_the_sequence(page, server_url):
    train(page, server_url, dataset="digits", model="ae", epochs=5)
    select_all_but(page, LEFT_OUT)
    page.fill("#retrain-epochs", "40")
    page.fill("#retrain-repeat", "20")
    page.click("#submit-button")
    wait_until(page, "Number(document.querySelector('#progress-panel').dataset.repetition) >= 2")
    page.click("#cancel-button")
    wait_until(page, f"{HOOK}.status === 'cancelled' || {HOOK}.status === 'ready'", 60_000)
    exp = api(server_url, f"/api/experiments/{hook(page, 'experimentId')}")
    # The finished repetitions stay; the sequence stopped well before its twentieth.
    assert 2 <= len(exp["iterations"]) < 21
    assert page.console_errors == []


def test_repeat_out_of_range_is_explained(page, server_url):
    train(page, server_url, dataset="iris", model="ae", epochs=5)
    page.locator("#legend .legend-item[data-class='0']").click()
    page.fill("#retrain-repeat", "25")
    page.click("#submit-button")
    wait_until(page, "document.querySelector('#error')?.textContent.includes('from 1 to 20')")
    assert hook(page, "iterations") == 1
