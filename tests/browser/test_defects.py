"""Defects an analyst met in the explorer (issue 14, "Why"), each driven in headless Chromium
and checked against what the page must say or draw. Each of these failed on the code before
the fix (see the issue for the symptoms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_explorer import HOOK, hook, selected_count, submit, train, wait_until
from tests.browser.test_insight import click_point
from tests.browser.test_upload import choose_file, delete, wait_report

pytestmark = pytest.mark.browser

GOOD = Path(__file__).resolve().parents[1] / "data" / "good_csv"


def test_iris_tooltips_keys_labels_short_runs_and_history_undo(page, server_url):
    train(page, server_url, dataset="iris", model="ae", epochs=30)

    # The neighbours key names a rank a point can have: 149 at most on 150 points (was "≥ 500").
    click_point(page, "initial", 0)
    wait_until(page, f"{HOOK}.neighbours.id === 0 && {HOOK}.neighbours.ids.length === 10")
    assert page.inner_text("#neighbours-note .rank-far") == "≥ 149"
    page.keyboard.press("Escape")

    # The tooltip leaves as soon as a brush is drawn over the points (it used to stay on top).
    page.check("input[name=tool][value=brush]")
    pos = page.evaluate(f"{HOOK}.screenPosition('initial', 0)")
    page.mouse.move(pos[0], pos[1])
    page.wait_for_selector("#tooltip:not([hidden])")
    page.mouse.down()
    page.mouse.move(pos[0] + 40, pos[1] + 40, steps=5)
    assert page.is_hidden("#tooltip")
    assert page.is_hidden("#decode-view")
    page.mouse.up()
    page.check("input[name=tool][value=pan]")

    # The recent-experiments list is sorted by last change, and says so.
    page.click("#recent-menu > summary")
    assert "most recently changed first" in page.text_content("#recent-menu .menu-head")
    assert "changed" in page.inner_text("#recent-list li:first-child")
    page.click("#recent-menu > summary")

    # A one-epoch Submit: the loss chart has a real range and a dot. One epoch was asked for,
    # so the page does not blame the cap on blank epochs (tests/js/progress-text.test.mjs
    # covers the note when the epochs were left to the server).
    page.locator("#legend .legend-item[data-class='0']").click()
    k = submit(page, epochs=1)
    ticks = page.evaluate(
        "[...document.querySelectorAll('#progress-panel .loss-chart .axis')[1]"
        ".querySelectorAll('.tick text')].map((t) => t.textContent)"
    )
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks  # was "317 317"
    assert page.locator("#progress-panel .loss-dots circle").count() == 1
    assert "capped" not in page.inner_text("#progress-panel .progress-text")

    # Names cut off by a narrow plot or drop-down carry their full text as a title.
    assert page.get_attribute("#plot-all .plot-title", "title") == page.inner_text(
        "#plot-all .plot-title"
    )
    page.click("#tab-history")
    assert page.get_attribute("#compare-b", "title").startswith(f"{k} fine-tune")

    # A history chip replaces the selection with that iteration's: one Ctrl+Z brings back ours.
    page.locator("#legend .legend-item[data-class='2']").click()
    assert hook(page, "selectedIds()") == list(range(100, 150))
    page.click("#history [data-iteration='0']")
    wait_until(page, f"{HOOK}.currentIteration === 0")
    page.click(f"#history [data-iteration='{k}']")
    wait_until(page, f"{HOOK}.currentIteration === {k}")
    assert hook(page, "selectedIds()") == list(range(50))
    page.locator("body").press("Control+z")
    assert hook(page, "selectedIds()") == list(range(100, 150))
    assert page.console_errors == []


def test_status_says_when_the_plots_show_another_dataset(page, server_url):
    train(page, server_url, dataset="iris", model="ae", epochs=10)
    choose_file(page, GOOD / "blobs.csv")
    wait_report(page)
    page.fill("#upload-name", "blobs for the status")
    page.click("#upload-create")
    wait_until(page, "document.querySelector('#dataset-select').value.startsWith('user:')")
    name = page.evaluate("document.querySelector('#dataset-select').value")
    # The picker names the new dataset; the plots still show iris, and the status says so.
    assert page.get_attribute("#status", "data-pending") == "true"
    assert "Iris" in page.inner_text("#status") and "press Train" in page.inner_text("#status")
    delete(server_url, f"/api/datasets/{name}")


def test_reconstructions_show_the_same_points_at_every_iteration(page, server_url):
    train(page, server_url, dataset="digits", model="ae", epochs=5)
    page.locator("#legend .legend-item[data-class='3']").click()
    assert selected_count(page) == 183

    def shown_ids(k: int) -> list[int]:
        wait_until(
            page,
            f"document.querySelector('#images-panel canvas.recon') && {HOOK}.currentIteration === {k}"
            f" && document.querySelector('#images-panel').textContent.includes('iteration {k})')",
        )
        return page.evaluate(
            "[...document.querySelectorAll('#images-panel .image-group:last-child tr:nth-child(2) canvas')]"
            ".map((c) => Number(c.dataset.id))"
        )

    first = submit(page, epochs=2)
    rest_first = shown_ids(first)
    second = submit(page, epochs=2)
    assert second == first + 1
    # The same selection, so the same "Rest" pool: the same eight digits in both iterations.
    assert shown_ids(second) == rest_first and len(rest_first) == 8


def test_exported_figures_have_title_axes_legend_and_caption(browser, server_url):
    import struct
    import xml.etree.ElementTree as ET

    from tests.browser.test_persistence import download, new_page, open_menu

    page = new_page(browser)
    train(page, server_url, dataset="iris", model="ae", epochs=20)
    page.locator("#legend .legend-item[data-class='1']").click()
    k = submit(page, epochs=3)
    wait_until(page, f"{HOOK}.metricsReady === true")
    exp_id = hook(page, "experimentId")
    met = page.evaluate(
        f"fetch('/api/experiments/{exp_id}/iterations/{k}/metrics').then((r) => r.json())"
    )

    open_menu(page, "export-menu")
    _, body = download(page, "#export-menu tr[data-plot=all] button[data-format=svg]")
    svg = ET.fromstring(body)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text or "" for t in svg.iter(f"{ns}text")]
    assert any("Iris" in t and "AE" in t and f"iteration {k}" in t for t in texts), texts[:3]
    # The iteration once (it was "All points, iteration 1 · Iris · AE · iteration 1").
    assert texts[0].count(f"iteration {k}") == 1, texts[0]
    assert "latent 1" in texts and "latent 2" in texts
    assert {"setosa", "versicolor", "virginica"} <= set(texts)
    caption = " ".join(
        t.text or "" for t in svg.iter(f"{ns}text") if t.get("class") == "figure-caption"
    )
    t_all = met["metrics"]["all"]["trustworthiness"]
    assert f"trustworthiness {t_all:.3f}" in caption
    assert "50 selected" in caption
    outline = [g for g in svg.iter(f"{ns}g") if g.get("class") == "selected-outline"]
    # Vector points (legend swatches are rects), and the 50 selected outlined as on screen.
    assert [len(g.findall(f"{ns}circle")) for g in outline] == [50]
    assert len(svg.findall(f".//{ns}circle")) == 150 + 50
    width, height = float(svg.get("width")), float(svg.get("height"))

    open_menu(page, "export-menu")
    _, png = download(page, "#export-menu tr[data-plot=all] button[data-format=png]")
    w, h = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (w, h) == (round(width * 2), round(height * 2))  # twice the figure's size
    page.context.close()


def test_a_running_job_shows_progress_time_left_and_a_cancel_that_says_what_it_does(
    page, server_url
):
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", "digits")
    page.click("details#train-settings > summary")
    page.fill("#param-epochs", "5000")
    page.click("#train-button")
    wait_until(page, f"{HOOK}.status === 'training'")
    # Progress with the time left at the pace so far, and a bar with a name and a value.
    wait_until(
        page,
        "document.querySelector('#progress-panel .progress-text').textContent.includes(' left')",
        timeout=60_000,
    )
    assert int(page.get_attribute("#progress", "aria-valuenow")) >= 2
    assert page.get_attribute("#progress", "aria-valuemax") == "5000"
    title = page.get_attribute("#cancel-button", "title")
    assert title and title.startswith("Stop") and "kept" in title
    page.click("#cancel-button")
    wait_until(page, f"{HOOK}.status === 'cancelled'", timeout=30_000)
    assert "ancel" in page.inner_text("#progress-panel")
