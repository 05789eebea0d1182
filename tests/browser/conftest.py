"""Real headless Chromium driven by Playwright against a server on 127.0.0.1 with a free port."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.local_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ServerDidNotStart,
    start_server,
    stop_server,
)

SCREENSHOTS = Path(__file__).parent / "screenshots"
# Generous waits for a loaded 2-core CI machine: Playwright's own defaults are 30 s for an
# action and only 5 s for an auto-retrying expect(...) assertion.
TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def server_url(data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    try:
        proc, url = start_server(
            data_dir=data_dir,
            state_dir=folder / "state",
            log_path=folder / "server.log",
            # Importing torch alone can take half a minute on a loaded CI machine.
            timeout=TIMEOUT_MS / 1000 * 2,
        )
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        # A missing browser is a failure, never a skip: these tests are real checks.
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
