"""The HTML report in Chromium with every network request blocked: it draws with no console
error (a CSP refusal is one), the tooltip names the hovered point, plots are linked and zoom,
and another iteration can be picked."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.report import write_report
from latent_explorer.core.selection import select_classes
from latent_explorer.core.training import TrainConfig
from tests.browser.test_explorer import wait_until
from tests.browser.test_persistence import download, open_menu, post, wait_api
from tests.core.test_report import iris_chain

WAIT_MS = 60_000  # a loaded 2-core CI machine


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    exp = iris_chain()
    path = write_report(exp, tmp_path_factory.mktemp("report") / "iris report.html")
    return exp, path


def open_offline(page, url: str) -> list[str]:
    """Open ``url`` (a file) with every other request aborted; return the list of those."""
    blocked: list[str] = []

    def only_the_file(route):
        if route.request.url == url:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(url)
    return blocked


def loneliest_point(coords: np.ndarray) -> int:
    """The point farthest from its nearest neighbour: hovering it can only find it."""
    d = np.linalg.norm(coords[:, None, :] - coords[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    return int(np.argmax(d.min(axis=1)))


def test_report_offline_hover_zoom_and_iterations(page, report):
    exp, path = report
    url = path.resolve().as_uri()
    blocked = open_offline(page, url)
    wait_until(page, "window.latentReport && window.latentReport.ready", WAIT_MS)
    assert page.input_value("#iteration") == "1"  # the newest iteration first
    # How its points were chosen, in words (it once read 'chosen by class {"class_names": ...}').
    assert "50 points of class virginica, 2 epochs" in page.inner_text("#iteration-text")

    # Hover a point in plot 3 (all points after): the tooltip names it and its class, and
    # the same point is ringed in plot 1 (linked views).
    it = exp.iterations[1]
    pid = loneliest_point(it.coords.astype(np.float64))
    cls = exp.dataset.class_names[int(exp.dataset.y[pid])]
    pos = page.evaluate(f"window.latentReport.screenOf(2, {pid})")
    page.mouse.move(pos["x"], pos["y"])
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible", timeout=WAIT_MS)
    assert tooltip.inner_text() == f"Point {pid} · {cls}"
    ring = page.locator('.plot[data-plot="0"] circle')
    assert ring.get_attribute("visibility") == "visible"

    # Zoom in on plot 3 with the wheel (around the pointer, so that point stays put): the
    # axes show a narrower range, and a neighbour moves away on screen.
    axis = "document.querySelector('.plot[data-plot=\"2\"] svg g').textContent"
    ticks = page.evaluate(axis)
    other = (pid + 1) % exp.dataset.n_samples
    far = page.evaluate(f"window.latentReport.screenOf(2, {other})")
    page.mouse.wheel(0, -400)
    wait_until(page, f"{axis} !== {json.dumps(ticks)}", WAIT_MS)
    moved = page.evaluate(f"window.latentReport.screenOf(2, {other})")
    assert (moved["x"], moved["y"]) != (far["x"], far["y"])

    # Pick iteration 0: its description, metrics and plots follow.
    page.select_option("#iteration", "0")
    wait_until(page, "window.latentReport.iteration === 0", WAIT_MS)
    assert "Initial training on all 150 points" in page.inner_text("#iteration-text")
    assert page.inner_text(".plot[data-plot='2'] h3").startswith("After: iteration 0")
    assert page.locator("#metrics table tr[data-group='all']").count() >= 1
    assert page.locator("#losses svg path").count() >= 1

    assert blocked == []
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_export_menu_downloads_the_report(browser, server_url, tmp_path):
    """The page's Export menu gives the server's report, which then opens offline."""
    exp_id = post(server_url, "/api/experiments", {"dataset": "iris", "config": {"epochs": 5}})[
        "id"
    ]
    wait_api(server_url, f"/api/experiments/{exp_id}", lambda e: e["status"] == "ready")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{server_url}/?experiment={exp_id}")
        link = page.locator("#export-menu a[data-export=report]")
        link.wait_for(state="attached", timeout=WAIT_MS)
        wait_until(
            page,
            "document.querySelector('#export-menu a[data-export=report]').hasAttribute('href')",
            WAIT_MS,
        )
        open_menu(page, "export-menu")
        name, body = download(page, "#export-menu a[data-export=report]")
    finally:
        context.close()
    assert name == "iris-ae-report.html"
    path = tmp_path / name
    path.write_bytes(body)

    offline = browser.new_context(offline=True)  # no network at all, not even the server's
    try:
        view = offline.new_page()
        errors: list[str] = []
        view.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        view.on("pageerror", lambda exc: errors.append(str(exc)))
        view.goto(path.resolve().as_uri())
        wait_until(view, "window.latentReport && window.latentReport.ready", WAIT_MS)
        assert view.input_value("#iteration") == "0"
        assert errors == []
    finally:
        offline.close()


def test_report_draws_reconstructions_of_image_data(page, tmp_path):
    ds = load_dataset("digits")
    exp = Experiment(ds, "ae", config=TrainConfig(epochs=2, seed=5), device="cpu")
    exp.train()
    exp.retrain(select_classes(ds.y, [0], class_names=ds.class_names), epochs=1)
    path = write_report(exp, tmp_path / "digits.html")
    blocked = open_offline(page, path.resolve().as_uri())
    wait_until(page, "window.latentReport && window.latentReport.ready", WAIT_MS)
    section = page.locator("#reconstructions-section")
    assert section.is_visible()
    # Originals, the parent's and iteration 1's reconstructions: 2 digits per class.
    assert page.locator("#reconstructions tbody tr").count() == 3
    assert page.locator("#reconstructions canvas").count() == 3 * 20
    ink = page.evaluate(
        """() => {
            const c = document.querySelector('#reconstructions tbody tr canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let dark = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
            return dark;
        }"""
    )
    assert ink > 0  # an original digit has ink
    page.select_option("#iteration", "0")
    wait_until(page, "window.latentReport.iteration === 0", WAIT_MS)
    assert page.locator("#reconstructions tbody tr").count() == 2  # no parent row
    assert blocked == []
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_hostile_names_are_shown_as_text(page, tmp_path):
    """A dataset and class named like markup are text in the report, and run nothing."""
    evil = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>'
    iris = load_dataset("iris")
    ds = dataclasses.replace(
        iris, name="user:" + evil, title=evil, class_names=[evil, "b", "c"], attributes={}
    )
    path = write_report(iris_chain(ds), tmp_path / "evil.html")
    blocked = open_offline(page, path.resolve().as_uri())
    wait_until(page, "window.latentReport && window.latentReport.ready", WAIT_MS)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#legend span").first.inner_text() == evil
    assert evil in page.inner_text("h1") and page.locator("img").count() == 0
    assert blocked == []
    assert page.console_errors == []  # type: ignore[attr-defined]
