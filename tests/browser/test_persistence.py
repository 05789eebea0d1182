"""Stored experiments in the page: the recent list opens and deletes them, the export menu
downloads the shown iteration, and an interrupted job is explained after a server restart."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests import local_server
from tests.browser.conftest import TIMEOUT_MS, shot
from tests.browser.test_explorer import HOOK, api, hook, submit, train, wait_until

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


def new_page(browser):
    """A page in a context of its own (its own cookies and storage: another person's tab)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    return page


def open_menu(page, menu: str) -> None:
    if not page.evaluate(f"document.getElementById('{menu}').open"):
        page.click(f"#{menu} > summary")


def recent_row(page, exp_id: str):
    return page.locator(f"#recent-list li.recent-item[data-experiment='{exp_id}']")


def download(page, selector: str):
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def status_of(server_url: str, path: str) -> int:
    try:
        with urllib.request.urlopen(server_url + path) as r:
            return r.status
    except urllib.error.HTTPError as err:
        return err.code


def test_recent_list_open_delete_and_downloads(browser, server_url):
    page = new_page(browser)
    train(page, server_url, dataset="iris", model="ae", epochs=30)
    page.locator("#legend .legend-item[data-class='0']").click()
    k = submit(page, epochs=5)
    exp_id = hook(page, "experimentId")

    # The list follows the Submit without a reload; the shown experiment is marked.
    open_menu(page, "recent-menu")
    row = recent_row(page, exp_id)
    row.wait_for()
    wait_until(
        page,
        f"document.querySelector(\"#recent-list li[data-experiment='{exp_id}']\").textContent.includes('2 iterations')",
    )
    text = row.inner_text()
    assert "Iris" in text and "AE" in text
    assert "is-current" in row.get_attribute("class")
    shot(page, "40-recent-experiments")

    # Downloads of the shown iteration: the server's CSV, and plot 3 drawn into a PNG / SVG.
    open_menu(page, "export-menu")
    shot(page, "41-export-menu")
    name, body = download(page, "#export-menu a[data-export=csv]")
    assert name == f"iris-ae-iteration{k}.csv"
    lines = body.decode().splitlines()
    assert lines[0] == "id,x,y,label,selected"
    assert len(lines) == 151
    open_menu(page, "export-menu")
    name, body = download(page, "#export-menu tr[data-plot=all] button[data-format=png]")
    assert name == f"iris-ae-iteration{k}-plot-all.png"
    assert body.startswith(PNG_SIGNATURE)
    open_menu(page, "export-menu")
    name, body = download(page, "#export-menu tr[data-plot=all] button[data-format=svg]")
    assert name == f"iris-ae-iteration{k}-plot-all.svg"
    svg = ET.fromstring(body)
    points = [g for g in svg.iter(f"{SVG_NS}g") if g.get("clip-path")][0]
    outline = [g for g in points if g.get("class") == "selected-outline"]
    circles = [c for g in points if g not in outline for c in g.iter(f"{SVG_NS}circle")]
    assert len(circles) == 150  # every point of plot 3, none of the hidden hover ring
    assert len(svg.findall(f".//{SVG_NS}circle")) == 150 + 50  # and the selection's outlines
    assert any(t.text == "0" for t in svg.iter(f"{SVG_NS}text"))  # the axes came along
    # Iteration k has a selection and measured metrics: both links lead to JSON files.
    open_menu(page, "export-menu")
    name, body = download(page, "#export-menu a[data-export=selection]")
    assert json.loads(body)["ids"] == list(range(50))
    assert page.console_errors == []  # type: ignore[attr-defined]

    # Another person's page (a new context) opens it from the list: everything is restored.
    other = new_page(browser)
    other.goto(server_url + "/")
    open_menu(other, "recent-menu")
    recent_row(other, exp_id).locator(".recent-open").click()
    wait_until(
        other,
        f"{HOOK}.experimentId === '{exp_id}' && {HOOK}.status === 'ready' && {HOOK}.metricsReady "
        f"&& {HOOK}.plots.all.pointsDrawn === 150",
    )
    assert f"experiment={exp_id}" in other.url
    for key in ("currentIteration", "parentIteration", "iterations", "datasetName", "model"):
        assert hook(other, key) == hook(page, key), key
    for plot in ("initial", "selected", "all"):
        assert hook(other, f"plots.{plot}.pointsDrawn") == hook(page, f"plots.{plot}.pointsDrawn")
    met = api(server_url, f"/api/experiments/{exp_id}/iterations/{k}/metrics")
    cell = other.locator(
        "#metrics-panel [data-table=after][data-group=selected][data-metric=trustworthiness]"
    )
    assert float(cell.get_attribute("data-value")) == pytest.approx(
        met["metrics"]["selected"]["trustworthiness"], abs=1e-9
    )

    # Delete asks once more in place; "Keep" keeps it.
    open_menu(other, "recent-menu")
    row = recent_row(other, exp_id)
    row.locator(".recent-delete").click()
    assert row.locator(".recent-confirm").is_visible()
    shot(other, "42-recent-confirm-delete")
    row.locator(".recent-confirm-no").click()
    assert not row.locator(".recent-confirm").is_visible()
    assert status_of(server_url, f"/api/experiments/{exp_id}") == 200
    row.locator(".recent-delete").click()
    row.locator(".recent-confirm-yes").click()
    wait_until(other, f"!document.querySelector(\"#recent-list li[data-experiment='{exp_id}']\")")
    # It was the shown one: the page is empty again, and the server no longer has it.
    wait_until(other, f"{HOOK}.experimentId === null && {HOOK}.plots.initial.pointsDrawn === 0")
    assert "experiment=" not in other.url
    assert status_of(server_url, f"/api/experiments/{exp_id}") == 404
    assert other.console_errors == []  # type: ignore[attr-defined]
    other.goto(server_url + "/?experiment=" + exp_id)
    wait_until(other, "!document.querySelector('#error').hidden")
    assert "does not exist" in other.inner_text("#error")
    # The browser logs the 404 answer itself; nothing else went wrong.
    assert all("404" in e for e in other.console_errors)  # type: ignore[attr-defined]
    other.context.close()

    # The first page still shows its plots; its list drops the experiment when refreshed.
    assert hook(page, "plots.all.pointsDrawn") == 150
    page.click("#recent-menu > summary")  # close
    open_menu(page, "recent-menu")
    wait_until(page, f"!document.querySelector(\"#recent-list li[data-experiment='{exp_id}']\")")
    page.context.close()


# -- a server that stops during a job ---------------------------------------------------------------


def start_server(data_dir, state_dir, log_path):
    try:
        return local_server.start_server(data_dir=data_dir, state_dir=state_dir, log_path=log_path)
    except local_server.ServerDidNotStart as exc:
        pytest.fail(str(exc))


def post(url: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def wait_api(url: str, path: str, ok, timeout: float = 60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        answer = api(url, path)
        if ok(answer):
            return answer
        time.sleep(0.2)
    raise AssertionError(f"timed out on {path}: {answer}")


def test_interrupted_jobs_are_explained(browser, data_dir, tmp_path):
    state, log = tmp_path / "state", tmp_path / "server.log"
    proc, url = start_server(data_dir, state, log)
    try:
        # One experiment stops during its first training, another during a Submit.
        first = post(url, "/api/experiments", {"dataset": "digits", "config": {"epochs": 5000}})[
            "id"
        ]
        second = post(url, "/api/experiments", {"dataset": "iris", "config": {"epochs": 5}})["id"]
        wait_api(url, f"/api/experiments/{second}", lambda e: e["status"] == "ready")
        post(
            url,
            f"/api/experiments/{second}/iterations",
            {"selected_ids": list(range(50)), "epochs": 10000},
        )
        for exp_id in (first, second):
            wait_api(
                url,
                f"/api/experiments/{exp_id}",
                lambda e: (e.get("job") or {}).get("epoch", 0) > 0,
            )
    finally:
        proc.send_signal(signal.SIGKILL)  # no clean shutdown: the jobs die mid-epoch
        proc.wait(timeout=10)

    proc, url = start_server(data_dir, state, log)
    try:
        page = new_page(browser)
        page.goto(f"{url}/?experiment={second}")
        wait_until(page, f"{HOOK}.status === 'ready' && {HOOK}.plots.initial.pointsDrawn === 150")
        note = page.locator("#job-note")
        note.wait_for()
        assert "Interrupted" in note.inner_text()
        assert "iteration 1" in note.inner_text() and "Iteration 0 is kept" in note.inner_text()
        open_menu(page, "recent-menu")
        badge = recent_row(page, first).locator(".status-badge")
        badge.wait_for()
        assert badge.inner_text().strip().lower() == "interrupted"
        shot(page, "43-interrupted-note")
        # Opening the one that never finished its first training: a note, no plots, no error.
        recent_row(page, first).locator(".recent-open").click()
        wait_until(page, f"{HOOK}.experimentId === '{first}' && {HOOK}.status === 'interrupted'")
        assert "the first training" in page.locator("#job-note").inner_text()
        assert hook(page, "plots.initial.pointsDrawn") == 0
        # A Train afterwards starts cleanly and the note goes.
        train(page, url, dataset="iris", model="ae", epochs=5)
        assert page.locator("#job-note").is_hidden()
        assert page.console_errors == []  # type: ignore[attr-defined]
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- plot files of many points ----------------------------------------------------------------------

EXPORT_SYNTHETIC = """async ([name, format]) => {
  const { exportPlot } = await import('/static/js/plot-export.js');
  const plot = {
    geometry: () => window.__explorerBench.geometry(name),
    node: () => document.getElementById(`plot-${name}`),
  };
  const blob = await exportPlot(plot, { format, filename: `synthetic-${name}.${format}`, title: 'synthetic' });
  return blob.size;
}"""


def test_plot_files_of_many_points(browser, server_url):
    """Beyond 20,000 points the SVG embeds the canvas as one image instead of circles."""
    page = new_page(browser)
    page.goto(server_url + "/")
    # As in test_scale: the model settings are the page's last step before it settles.
    wait_until(page, f"{HOOK}.loadSynthetic && document.querySelector('#param-epochs')")
    page.evaluate(f"{HOOK}.loadSynthetic(30000)")
    wait_until(page, f"{HOOK}.plots.all.pointsDrawn === 30000")
    with page.expect_download() as info:
        size = page.evaluate(EXPORT_SYNTHETIC, ["all", "svg"])
    body = Path(info.value.path()).read_bytes()
    assert len(body) == size < 5_000_000
    svg = ET.fromstring(body)
    assert svg.findall(f".//{SVG_NS}circle") == []
    (image,) = svg.findall(f".//{SVG_NS}image")
    assert image.get("href").startswith("data:image/png;base64,")
    with page.expect_download() as info:
        page.evaluate(EXPORT_SYNTHETIC, ["all", "png"])
    assert Path(info.value.path()).read_bytes().startswith(PNG_SIGNATURE)
    assert page.console_errors == []  # type: ignore[attr-defined]
    page.context.close()
