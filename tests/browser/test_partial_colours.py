"""Colour by local trustworthiness while the measure job runs: the points measured so far are
coloured, the others pale grey, and the legend says how many are measured; the exact values
replace them when the job ends (real Chromium, a real server, iris).

The server measures one row per block and announces every block (the tuning knobs of
runtime/estimates.MeasureTuning): 150 blocks, each stored and announced, a fixed amount of work
whatever the machine's speed, so the page sees the map fill in."""

from __future__ import annotations

import pytest

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_explorer import HOOK, wait_until
from tests.local_server import ServerDidNotStart, start_server, stop_server

pytestmark = pytest.mark.browser

PALE = (0xDA, 0xDA, 0xDA)  # partial-values.js NOT_MEASURED_COLOR

# Every change of the legend, with what colours the plots then and (two frames later, once
# drawn) how many pixels of plot 1 are the pale "not measured yet" grey. Recorded in the page,
# so no state between two polls of the test is missed.
RECORD = """([r, g, b]) => {
  window.__fills = [];
  const legend = document.querySelector('#colour-legend');
  const pale = () => {
    const canvas = document.querySelector('#plot-initial canvas.plot-canvas');
    if (!canvas || !canvas.width) return 0;
    const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] === r && px[i + 1] === g && px[i + 2] === b) n++;
    return n;
  };
  new MutationObserver(() => {
    const entry = {text: legend.textContent, fill: JSON.parse(JSON.stringify(window.__explorer.colourFill || {}))};
    window.__fills.push(entry);
    requestAnimationFrame(() => requestAnimationFrame(() => { entry.pale = pale(); }));
  }).observe(legend, {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def slow_measure_url(data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial-colours")
    try:
        proc, url = start_server(
            data_dir=data_dir,
            state_dir=folder / "state",
            log_path=folder / "server.log",
            timeout=TIMEOUT_MS / 1000 * 2,
            extra_env={
                "LATENT_EXPLORER_MEASURE_BLOCK_ROWS": "1",
                "LATENT_EXPLORER_MEASURE_ESTIMATES_EVERY_S": "0",
            },
        )
    except ServerDidNotStart as exc:
        pytest.fail(str(exc))
    yield url
    stop_server(proc)


def test_distortion_map_fills_in_while_measuring(page, slow_measure_url):
    page.goto(slow_measure_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", "iris")
    page.select_option("#model-select", "ae")
    page.click("details#train-settings > summary")
    page.fill("#param-epochs", "5")
    # Chosen before training: selectable at any time, it colours once points are measured.
    page.select_option("#colour-by", "pp:trustworthiness")
    page.evaluate(RECORD, list(PALE))
    page.click("#train-button")

    wait_until(
        page,
        f"{HOOK}.status === 'ready' && {HOOK}.metricsReady && "
        f"({HOOK}.colourFill[0] || {{}}).measured === 150",
        timeout=180_000,
    )
    wait_until(page, "window.__fills.every((e) => e.pale !== undefined)")
    fills = page.evaluate("window.__fills")

    # While measuring: some points coloured, the others pale grey, and the legend says how many.
    partial = [e for e in fills if 0 < e["fill"].get("0", {}).get("measured", 0) < 150]
    assert partial, f"the page never showed a partly measured map: {fills}"
    for e in partial:
        measured = e["fill"]["0"]["measured"]
        assert e["fill"]["0"]["total"] == 150
        share = 100 * measured // 150
        assert f"Iteration 0: {share}% of points measured so far (pale grey: not yet)" in e["text"]
    assert any(e["pale"] > 0 for e in partial), "no point was drawn in the pale grey"
    counts = [e["fill"]["0"]["measured"] for e in fills if "0" in e["fill"]]
    assert counts == sorted(counts)  # points once measured stay measured

    # Done: the exact values colour every point; nothing is pale or "so far" any more.
    assert page.evaluate(f"{HOOK}.colourFill[0].measured") == 150
    legend = page.inner_text("#colour-legend")
    assert "so far" not in legend and "typical" in legend
    assert page.get_attribute("#colour-legend", "data-kind") == "numeric"
    final_pale = page.evaluate(
        """([r, g, b]) => {
          const c = document.querySelector('#plot-initial canvas.plot-canvas');
          const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < px.length; i += 4) if (px[i] === r && px[i + 1] === g && px[i + 2] === b) n++;
          return n;
        }""",
        list(PALE),
    )
    assert final_pale == 0
    assert page.console_errors == []
