"""The notebook widget in real JupyterLab, in headless Chromium: the example notebook's cells
are run, a brush is dragged with the mouse, and the kernel's ``ex.selection`` holds what the
widget shows selected; the widget's Submit trains in the kernel and draws the next iteration.

JupyterLab serves on 127.0.0.1 with a random token from a temporary folder with its own
Jupyter config, data and runtime folders, so nothing of the user's Jupyter setup (kernels,
settings, workspaces) takes part. anywidget's prebuilt lab extension comes with the package.
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import TIMEOUT_MS, shot
from tests.local_server import REPO, free_port

pytestmark = pytest.mark.browser

NOTEBOOK = REPO / "docs" / "examples" / "widget.ipynb"
# A loaded 2-core CI machine: JupyterLab's start, the kernel's torch import and training.
START_S = 180


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def _wait(condition, what: str, log: Path, timeout_s: float = START_S):
    """Poll ``condition()`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            found = condition()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"{what} within {timeout_s} s; JupyterLab's log ends with:\n{tail}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a free loopback port with a token; yields (url, token, log)."""
    folder = tmp_path_factory.mktemp("lab")
    root = folder / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_DATA_DIR": str(folder / "data"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "IPYTHONDIR": str(folder / "ipython"),
        "LATENT_EXPLORER_THREADS": "1",
    }
    log = folder / "lab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root; harmless otherwise
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        # Offline and quiet: no news feed, no update check.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _get(f"{url}/api/status?token={token}"), "JupyterLab did not answer", log)
        yield url, token, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _kernel_idle(url: str, token: str):
    kernels = _get(f"{url}/api/kernels?token={token}")
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)  # type: ignore[union-attr]


def test_brush_in_jupyterlab_is_ex_selection_and_submit_trains(lab, browser):
    from playwright.sync_api import expect

    url, token, log = lab
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS * 2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
        cells = page.locator(".jp-Notebook .jp-CodeCell")
        expect(cells).to_have_count(3, timeout=START_S * 1000)
        _wait(lambda: _kernel_idle(url, token), "the notebook's kernel did not start", log)

        def run(i: int) -> None:
            cells.nth(i).locator(".cm-content").click()
            page.keyboard.press("Shift+Enter")

        # Cell 1 trains iteration 0 and shows the widget: 150 points drawn on the canvas.
        run(0)
        widget = page.locator(".latent-widget")
        expect(widget).to_have_attribute("data-iteration", "0", timeout=START_S * 1000)
        expect(widget).to_have_attribute("data-points-drawn", "150")
        expect(widget.locator(".legend-name")).to_have_text(["setosa", "versicolor", "virginica"])

        # A brush over the left half of the plot area, full height: the leftmost point is in
        # it and the rightmost is not, whatever the layout (the plot fits the points).
        overlay = widget.locator(".brush-layer .overlay")
        overlay.scroll_into_view_if_needed()
        box = overlay.bounding_box()
        assert box and box["width"] > 100, box
        x0, y0 = box["x"] + 2, box["y"] + 2
        x1, y1 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] - 2
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        page.mouse.move(x1, y1, steps=5)
        page.mouse.up()
        expect(widget).not_to_have_attribute("data-selected", "0")
        shown = int(widget.get_attribute("data-selected") or 0)
        assert 0 < shown < 150
        expect(widget.locator(".widget-count")).to_have_text(f"{shown} selected")
        shot(page, "widget-brushed")

        # The kernel's selection is the brushed one.
        run(1)
        output = cells.nth(1).locator(".jp-OutputArea-output")
        expect(output).to_contain_text("selected:")
        text = output.inner_text().strip()
        ids = ast.literal_eval(text.split("selected:", 1)[1].strip())
        assert len(ids) == shown and ids == sorted(set(ids)), text
        assert all(0 <= i < 150 for i in ids)

        # Submit in the widget: a fine-tune on those points in the kernel, then iteration 1.
        submit = widget.locator(".widget-submit")
        expect(submit).to_be_enabled()
        submit.click()
        expect(widget).to_have_attribute("data-iteration", "1", timeout=START_S * 1000)
        expect(widget).to_have_attribute("data-busy", "false")
        expect(submit).to_be_enabled()  # ready for the next Submit
        expect(widget).to_have_attribute("data-points-drawn", "150")
        expect(widget.locator(".widget-status")).to_contain_text("Iteration 1")
        # The selection survives the Submit, on both sides.
        expect(widget).to_have_attribute("data-selected", str(shown))
        shot(page, "widget-submitted")
        assert not errors, errors
    finally:
        context.close()
