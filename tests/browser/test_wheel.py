"""Installable like a Python tool: build the wheel, install it in a fresh virtual environment,
serve from there (not from this checkout) and load the page in Chromium with no console error.

Slow (a venv and a torch install from pip's cache); CI runs it through ``make test``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import venv

import pytest

from tests.browser.test_explorer import wait_until
from tests.local_server import REPO, free_port, stop_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{cmd[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the built wheel installed (dependencies from pip's cache/index)."""
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)])
    wheels = list((root / "dist").glob("latent_space_explorer-*.whl"))
    assert len(wheels) == 1, wheels
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    constraints = REPO / "constraints-cpu.txt"
    _run([str(python), "-m", "pip", "install", "-q", "-c", str(constraints), str(wheels[0])])
    return root, python


def test_wheel_carries_the_page_and_d3(installed):
    root, python = installed
    # Run outside the checkout, so only the installed package can be imported.
    probe = (
        "import latent_explorer, pathlib; "
        "p = pathlib.Path(latent_explorer.__file__).parent / 'web'; "
        "print(p); "
        "assert (p / 'static/vendor/d3.min.js').stat().st_size > 100_000; "
        "assert (p / 'templates/index.html').is_file(); "
        # The notebook widget's bundle (Explorer.show(); tools/build_widget.mjs).
        "assert (p / 'static/widget/widget.js').stat().st_size > 100_000; "
        "assert (p / 'static/widget/widget.css').is_file(); "
        # The report inlines its script, style and d3 from the installed package's files.
        "from latent_explorer.core.report.page import ASSETS; "
        "assert all(a.is_file() and str(p) in str(a) for a in ASSETS.values()), ASSETS"
    )
    out = _run([str(python), "-c", probe], cwd=root).stdout
    assert str(REPO) not in out and "site-packages" in out
    version = _run([str(root / "venv/bin/latent-explorer"), "--version"], cwd=root).stdout
    assert version.startswith("latent-explorer ")


def test_installed_server_loads_the_page_without_console_errors(installed, browser, data_dir):
    root, python = installed
    port = free_port()
    env = {**os.environ, "LATENT_EXPLORER_DATA": str(data_dir), "LATENT_EXPLORER_THREADS": "1"}
    env.pop("PYTHONPATH", None)
    log = root / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            [str(python), "-m", "latent_explorer", "serve", "--port", str(port),
             "--state-dir", str(root / "state")],
            stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "api/datasets", timeout=2)
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.3)
        else:
            raise AssertionError(f"the installed server did not answer:\n{log.read_text()}")
        d3 = urllib.request.urlopen(url + "static/vendor/d3.min.js", timeout=10)
        assert d3.status == 200 and len(d3.read()) > 100_000

        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(url)
        # d3 drew the page: the dataset list is filled from the API.
        filled = "document.querySelectorAll('select[name=dataset] option').length > 0"
        wait_until(page, filled, timeout=30_000)
        assert page.evaluate("typeof window.d3 === 'object' && typeof d3.select === 'function'")
        context.close()
        assert not errors, errors
        assert not failed, failed
        assert re.search(r"latent-explorer: open http://127\.0\.0\.1:\d+/", log.read_text())
    finally:
        stop_server(proc)
