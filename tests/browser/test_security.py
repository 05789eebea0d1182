"""Hostile text stays text, and two people's pages never mix.

Injection: a CSV whose column names and labels are markup (``<script>``,
``'"><img src=x onerror=...>``) and spreadsheet formulas, uploaded under a dataset name that
is markup too. Every place that shows them (upload form, dataset picker, status, legend,
tooltip, recent list, export menu and files) must show the characters, create no element,
run nothing and open no dialog.

Two users: two browser contexts train different models on different datasets at the same
time; each page shows its own experiment only.
"""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, start_training, wait_until
from tests.browser.test_persistence import download, new_page, open_menu
from tests.browser.test_upload import choose_file, delete, train_here, wait_report

pytestmark = pytest.mark.browser

XSS_CSV = Path(__file__).resolve().parents[1] / "data" / "good_csv" / "xss.csv"
SCRIPT = "<script>alert(1)</script>"
IMG = "'\"><img src=x onerror=alert(1)>"
FORMULA = "=1+2"
# Elements a payload would create if any text were parsed as HTML.
INJECTED = (
    "document.querySelectorAll('#legend script, #legend img, #tooltip img[onerror], "
    "body img[src=x], body script:not([src]), [onerror], [onload]').length"
)


def watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_clean(page, dialogs) -> None:
    assert page.evaluate(INJECTED) == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


def upload_as(page, path: Path, name: str) -> str:
    """Upload ``path`` through the page, create it as ``name``; the new dataset's name."""
    choose_file(page, path)
    wait_report(page)
    page.fill("#upload-name", name)
    page.click("#upload-create")
    wait_until(
        page,
        "!document.querySelector('#upload-dialog').open && document.querySelector('#dataset-select').value.startsWith('user:')",
    )
    return page.input_value("#dataset-select")


def hover_point(page, plot: str, row: int) -> None:
    """Move the mouse onto point ``row`` of ``plot`` (screen position from its geometry)."""
    x, y = page.evaluate(
        f"""() => {{
          const g = window.__explorerBench.geometry('{plot}');
          const r = g.canvas.getBoundingClientRect();
          return [r.left + g.x[{row}] * g.ax + g.bx, r.top + g.y[{row}] * g.ay + g.by];
        }}"""
    )
    page.mouse.move(x, y)


def test_markup_in_names_and_labels_stays_text(page, server_url, tmp_path):
    dialogs = watch(page)
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")

    # The upload form lists the hostile column names and cells as text.
    choose_file(page, XSS_CSV)
    wait_report(page)
    table = page.inner_text("#upload-columns")
    assert SCRIPT in table and IMG in table and FORMULA in table
    assert (
        page.evaluate(
            "document.querySelectorAll('#upload-dialog img, #upload-dialog script').length"
        )
        == 0
    )
    title = f"<img src=x onerror=alert(2)> {uuid.uuid4().hex[:6]}"
    page.fill("#upload-name", title)
    page.click("#upload-create")
    wait_until(
        page,
        "!document.querySelector('#upload-dialog').open && document.querySelector('#dataset-select').value.startsWith('user:')",
    )
    name = page.input_value("#dataset-select")
    assert title in page.locator("#dataset-select option:checked").inner_text()

    train_here(page, epochs=20)
    assert hook(page, "plots.initial.pointsDrawn") == 24
    legend = page.inner_text("#legend")
    assert SCRIPT in legend and IMG in legend and FORMULA in legend
    assert title in page.inner_text("#status")

    # Hover: the tooltip names the class and the features, as text.
    hover_point(page, "initial", 0)
    page.wait_for_selector("#tooltip:not([hidden])")
    wait_until(page, "!document.querySelector('#tooltip .tooltip-loading')")
    tip = page.inner_text("#tooltip")
    assert SCRIPT in tip and IMG in tip  # row 0's label, and feature names
    shot(page, "48-xss-tooltip")

    # Metrics by class (selecting one class puts its name in the selection record).
    page.locator("#legend .legend-item[data-class='0']").click()
    assert page.inner_text("#metrics-panel")  # filled, whatever it says

    # Recent list and export menu show the dataset's title as text too.
    open_menu(page, "recent-menu")
    page.locator("#recent-list li.is-current").wait_for()
    assert title in page.inner_text("#recent-list li.is-current")
    open_menu(page, "export-menu")
    assert title in page.inner_text("#export-menu .export-head")
    shot(page, "49-xss-export-menu")

    # The files: the SVG is well-formed with the title as text; the CSV neutralises formulas.
    _, body = download(page, "#export-menu tr[data-plot=initial] button[data-format=svg]")
    svg = ET.fromstring(body)
    texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert any(title in t for t in texts)
    assert not list(svg.iter("{http://www.w3.org/2000/svg}script"))
    open_menu(page, "export-menu")
    filename, body = download(page, "#export-menu a[data-export=csv]")
    assert "<" not in filename and ">" not in filename and " " not in filename
    labels = {row["label"] for row in csv.DictReader(io.StringIO(body.decode()))}
    assert labels == {SCRIPT, IMG, "'" + FORMULA}

    assert_clean(page, dialogs)
    assert page.console_errors == []  # type: ignore[attr-defined]
    delete(server_url, f"/api/experiments/{hook(page, 'experimentId')}")
    delete(server_url, f"/api/datasets/{name}")


def test_payloads_that_would_set_a_flag_stay_inert(page, server_url, tmp_path):
    """The same file with payloads that set window.__pwned instead of opening a dialog."""
    text = XSS_CSV.read_text().replace("alert(1)", "window.__pwned=1")
    text = text.replace(",plain,", ',"<svg onload=window.__pwned=1>",', 1)
    hostile = tmp_path / "pwned.csv"
    hostile.write_text(text)
    dialogs = watch(page)
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    name = upload_as(page, hostile, f"<svg onload=window.__pwned=1> {uuid.uuid4().hex[:6]}")
    train_here(page, epochs=10)
    assert "<svg onload=window.__pwned=1>" in page.inner_text("#status")
    assert "window.__pwned=1" in page.inner_text("#legend")
    hover_point(page, "initial", 1)
    page.wait_for_selector("#tooltip:not([hidden])")
    wait_until(page, "!document.querySelector('#tooltip .tooltip-loading')")
    assert "<svg onload=window.__pwned=1>" in page.inner_text("#tooltip")
    open_menu(page, "recent-menu")
    page.locator("#recent-list li.is-current").wait_for()
    assert (
        page.evaluate("document.querySelectorAll('body svg[onload], #recent-list svg').length") == 0
    )
    assert_clean(page, dialogs)
    assert page.console_errors == []  # type: ignore[attr-defined]
    delete(server_url, f"/api/experiments/{hook(page, 'experimentId')}")
    delete(server_url, f"/api/datasets/{name}")


# -- two users ------------------------------------------------------------------------------------


def own_view(page) -> dict:
    return page.evaluate(
        f"""() => ({{
          id: {HOOK}.experimentId, dataset: {HOOK}.datasetName, model: {HOOK}.model,
          iterations: {HOOK}.iterations, current: {HOOK}.currentIteration,
          drawn: ['initial', 'selected', 'all'].map((p) => {HOOK}.plots[p].pointsDrawn),
          url: location.href,
          t: document.querySelector('#metrics-panel [data-group=all][data-metric=trustworthiness]')?.dataset.value,
        }})"""
    )


def test_two_users_train_at_the_same_time(browser, server_url):
    alice, bob = new_page(browser), new_page(browser)
    # Both jobs are started before either finishes.
    start_training(alice, server_url, dataset="iris", model="ae", epochs=200)
    start_training(bob, server_url, dataset="digits", model="vae", epochs=5)
    for page in (alice, bob):
        wait_until(
            page,
            f"{HOOK}.status === 'ready' && {HOOK}.metricsReady && {HOOK}.plots.initial.pointsDrawn > 0",
            120_000,
        )
    a, b = own_view(alice), own_view(bob)
    assert a["id"] != b["id"]
    assert (a["dataset"], a["model"], a["drawn"][0]) == ("iris", "ae", 150)
    assert (b["dataset"], b["model"], b["drawn"][0]) == ("digits", "vae", 1797)
    assert f"experiment={a['id']}" in a["url"] and f"experiment={b['id']}" in b["url"]
    for view in (a, b):
        met = api(server_url, f"/api/experiments/{view['id']}/iterations/0/metrics")
        assert float(view["t"]) == pytest.approx(met["metrics"]["all"]["trustworthiness"], abs=1e-9)
    assert "Iris" in alice.inner_text("#status") and "Digits" in bob.inner_text("#status")
    assert alice.locator("#legend .legend-item[data-class]").count() == 3
    assert bob.locator("#legend .legend-item[data-class]").count() == 10

    # Bob submits; Alice's page does not move.
    bob.locator("#legend .legend-item[data-class='3']").click()
    bob.fill("#retrain-epochs", "2")
    bob.click("#submit-button")
    wait_until(
        bob,
        f"{HOOK}.iterations === 2 && {HOOK}.status === 'ready' && {HOOK}.plots.all.pointsDrawn === 1797",
        120_000,
    )
    alice.wait_for_timeout(500)  # time for any stray event to arrive
    assert own_view(alice) == a
    assert own_view(bob)["id"] == b["id"]
    for page in (alice, bob):
        assert page.console_errors == []  # type: ignore[attr-defined]
        page.context.close()
