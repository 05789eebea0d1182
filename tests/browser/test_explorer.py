"""The analyst's path, driven in real headless Chromium: train, select four ways, submit."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

HOOK = "window.__explorer"


def hook(page, path: str):
    return page.evaluate(f"{HOOK}.{path}")


def wait_until(page, expression: str, timeout: float = 60_000) -> None:
    """Poll a JS expression. The page's CSP forbids eval, which page.wait_for_function needs."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            state = page.evaluate(f"JSON.stringify({HOOK})")
            raise AssertionError(f"timed out waiting for {expression}; state: {state}")
        page.wait_for_timeout(100)


def api(server_url: str, path: str):
    with urllib.request.urlopen(server_url + path) as r:
        return json.load(r)


def start_training(page, server_url, *, dataset: str, model: str, epochs: int) -> None:
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", dataset)
    page.select_option("#model-select", model)
    page.click("details#train-settings > summary")
    page.fill("#param-epochs", str(epochs))
    page.click("#train-button")


def train(page, server_url, *, dataset: str, model: str, epochs: int, timeout=120_000):
    start_training(page, server_url, dataset=dataset, model=model, epochs=epochs)
    wait_until(
        page, f"{HOOK}.status === 'ready' && {HOOK}.plots.initial.pointsDrawn > 0", timeout=timeout
    )
    assert "experiment=" in page.url


def drag(page, selector: str, points: list[tuple[float, float]]):
    """Drag the mouse through ``points`` given as fractions of the plot's data area."""
    box = page.locator(f"{selector} .plot-inner").bounding_box()
    assert box is not None
    xs = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xs[0])
    page.mouse.down()
    for p in xs[1:]:
        page.mouse.move(*p, steps=4)
    page.mouse.up()


def selected_count(page) -> int:
    return int(page.get_attribute("#selection-count", "data-count"))


def submit(page, *, epochs: int, timeout=120_000) -> int:
    """Submit and wait until the new iteration is drawn and its tables hold the server's numbers
    (the page says "ready" only then; metricsReady is awaited too, to say what is waited for)."""
    before = hook(page, "iterations")
    page.fill("#retrain-epochs", str(epochs))
    page.click("#submit-button")
    wait_until(
        page,
        f"{HOOK}.iterations === {before + 1} && {HOOK}.status === 'ready' && {HOOK}.plots.all.pointsDrawn > 0 "
        f"&& {HOOK}.plots.all.iteration === {before} && {HOOK}.metricsReady === true",
        timeout=timeout,
    )
    return before


def test_iris_end_to_end(page, server_url):
    train(page, server_url, dataset="iris", model="ae", epochs=60)
    shot(page, "01-iris-trained")
    assert hook(page, "plots.initial.pointsDrawn") == 150
    assert page.get_attribute("#plot-initial", "data-points") == "150"
    assert page.locator(".legend-item[data-class]").count() >= 3

    # Class selection: click a legend entry, then add a second class.
    page.locator("#legend .legend-item[data-class='0']").click()
    assert selected_count(page) == 50 == hook(page, "selectionSize")
    page.check("input[name=sel-op][value=add]")
    page.locator("#legend .legend-item[data-class='1']").click()
    assert selected_count(page) == 100
    # Escape clears.
    page.keyboard.press("Escape")
    assert selected_count(page) == 0

    # Random points: seeded and repeatable.
    page.check("input[name=sel-op][value=replace]")
    page.select_option("#random-unit", "points")
    page.fill("#random-count", "20")
    page.fill("#random-seed", "7")
    page.click("#random-button")
    first = hook(page, "selectedIds()")
    assert len(first) == 20 == selected_count(page)
    page.select_option("#random-unit", "percent")
    page.fill("#random-count", "10")
    page.click("#random-button")
    assert selected_count(page) == 15
    page.select_option("#random-unit", "points")
    page.fill("#random-count", "20")
    page.click("#clear-button")
    assert selected_count(page) == 0
    page.click("#random-button")
    assert hook(page, "selectedIds()") == first

    # Brush: a rectangle over most of the plot replaces the selection.
    page.check("input[name=tool][value=brush]")
    drag(page, "#plot-initial", [(0.02, 0.02), (0.98, 0.98)])
    brushed = selected_count(page)
    assert brushed >= 140
    # Subtract with a lasso over the left half.
    page.check("input[name=sel-op][value=subtract]")
    page.check("input[name=tool][value=lasso]")
    drag(
        page, "#plot-initial", [(0.01, 0.01), (0.5, 0.01), (0.5, 0.99), (0.01, 0.99), (0.01, 0.02)]
    )
    after_lasso = selected_count(page)
    assert 0 < after_lasso < brushed
    shot(page, "02-iris-selected")

    ids = hook(page, "selectedIds()")
    k = submit(page, epochs=20)
    shot(page, "03-iris-submitted")
    exp_id = hook(page, "experimentId")
    emb = api(server_url, f"/api/experiments/{exp_id}/iterations/{k}/embedding")
    assert emb["selected"] == ids
    assert hook(page, "plots.selected.pointsDrawn") == len(ids)
    assert hook(page, "plots.all.pointsDrawn") == 150
    assert hook(page, "plots.initial.iteration") == 0

    # The metrics table shows the server's numbers, for both projections and all three groups.
    met = api(server_url, f"/api/experiments/{exp_id}/iterations/{k}/metrics")
    for table, source in (("after", met["metrics"]), ("before", met["parent_metrics"])):
        for group in ("all", "selected", "rest"):
            cell = page.locator(
                f"#metrics-panel [data-table={table}][data-group={group}][data-metric=trustworthiness]"
            )
            assert float(cell.get_attribute("data-value")) == pytest.approx(
                source[group]["trustworthiness"], abs=1e-9
            )
    assert page.locator("#history [data-iteration]").count() == 2
    assert "measured as if they were the whole dataset" in page.inner_text("#metrics-panel")

    # Small groups: 2 points have no T, C, Shepard or stress ("–", with the reason as title);
    # 6 points get T and C with a smaller k, shown as a note.
    page.check("input[name=sel-op][value=replace]")
    page.check("input[name=tool][value=pan]")
    page.select_option("#random-unit", "points")
    for count in (2, 6):
        page.fill("#random-count", str(count))
        page.click("#random-button")
        assert selected_count(page) == count
        k = submit(page, epochs=2)
        row = "#metrics-panel td[data-table=after][data-group=selected]"
        t_cell = page.locator(f"{row}[data-metric=trustworthiness]")
        if count == 2:
            assert t_cell.inner_text().strip() == "–"
            assert "at least 3" in t_cell.get_attribute("title")
            shepard = page.locator(f"{row}[data-metric=shepard]")
            assert shepard.inner_text().strip() == "–"
            assert "sample" in shepard.get_attribute("title")
        else:
            met = api(server_url, f"/api/experiments/{exp_id}/iterations/{k}/metrics")
            small_k = met["metrics"]["selected"]["k"]
            assert small_k < 7
            assert t_cell.get_attribute("data-k") == str(int(small_k))
            assert f"k = {int(small_k)}" in t_cell.inner_text()
    # Two epochs: the loss chart's x axis reads "1 2", whole epochs, each once.
    ticks = page.evaluate(
        "[...document.querySelector('#progress-panel .loss-chart .axis').querySelectorAll('.tick text')]"
        ".map((t) => t.textContent)"
    )
    assert ticks == ["1", "2"]
    assert page.console_errors == []


def test_chain_and_revisit_history(page, server_url):
    train(page, server_url, dataset="wine_quality", model="vae", epochs=3)
    page.select_option("#random-unit", "points")
    page.fill("#random-count", "300")
    page.click("#random-button")
    submit(page, epochs=2)
    page.locator("#legend .legend-item[data-class='2']").click()
    n = selected_count(page)
    assert n > 0
    submit(page, epochs=2)
    assert hook(page, "plots.initial.iteration") == 1
    assert hook(page, "plots.selected.pointsDrawn") == n
    shot(page, "04-wine-chained")
    # Show iteration 1 again from the history strip.
    page.locator("#history [data-iteration='1']").click()
    wait_until(page, f"{HOOK}.plots.all.iteration === 1 && {HOOK}.plots.initial.iteration === 0")
    assert hook(page, "plots.selected.pointsDrawn") == 300

    # Reloading the page with the experiment id in the URL restores it.
    page.reload()
    wait_until(
        page,
        f"{HOOK}.status === 'ready' && {HOOK}.iterations === 3 && {HOOK}.plots.initial.pointsDrawn > 0",
        timeout=30_000,
    )
    assert hook(page, "plots.initial.pointsDrawn") == 6497
    assert page.console_errors == []


# Logs, for plots 2 and 3, every change of their drawn points together with the hook's
# metricsReady and status at that moment: the plots must not wait for the metrics.
RECORD_DRAWS = """() => {
  const log = [];
  window.__drawLog = log;
  for (const name of ["selected", "all"]) {
    const el = document.getElementById(`plot-${name}`);
    new MutationObserver(() => log.push({
      plot: name,
      iteration: el.dataset.iteration,
      points: Number(el.dataset.points),
      metricsReady: window.__explorer.metricsReady,
      status: window.__explorer.status,
      live: el.querySelector('.plot-title').textContent.includes('training, epoch'),
    })).observe(el, {attributes: true, attributeFilter: ["data-points", "data-iteration"]});
  }
}"""


def test_digits_images_and_tooltip(page, server_url):
    train(page, server_url, dataset="digits", model="ae", epochs=5)
    wait_until(page, f"{HOOK}.metricsReady === true")
    page.locator("#legend .legend-item[data-class='3']").click()
    assert selected_count(page) == 183
    page.evaluate(RECORD_DRAWS)
    k = submit(page, epochs=3)
    # Plots 2 and 3 were drawn from the "projected" coordinates while the job was still
    # measuring (or, at the latest, in the same step): never after the tables were filled.
    log = page.evaluate("window.__drawLog")
    for plot, n in (("selected", 183), ("all", 1797)):
        # Live frames of the training (plot 3, titled "training, epoch N") come before it.
        drawn = [
            e
            for e in log
            if e["plot"] == plot and e["iteration"] == str(k) and e["points"] > 0 and not e["live"]
        ]
        assert drawn, f"plot {plot} never drew iteration {k}: {log}"
        assert drawn[0]["points"] == n
        # Training and measuring are separate jobs: the plots come while the measure job runs.
        assert drawn[0]["metricsReady"] is False, drawn[0]
        assert drawn[0]["status"] in ("training", "measuring"), drawn[0]
    # Then the job's "done" filled the tables with the server's numbers.
    assert hook(page, "metricsReady") is True
    assert page.get_attribute("#metrics-panel", "data-state") == "ready"
    met = api(server_url, f"/api/experiments/{hook(page, 'experimentId')}/iterations/{k}/metrics")
    assert met["measured"] is True
    for group in ("all", "selected", "rest"):
        for metric in ("trustworthiness", "continuity", "neighborhood_hit"):
            cell = page.locator(
                f"#metrics-panel td[data-table=after][data-group={group}][data-metric={metric}]"
            )
            assert float(cell.get_attribute("data-value")) == pytest.approx(
                met["metrics"][group][metric], abs=1e-9
            )
    shot(page, "05a-digits-submitted")
    wait_until(page, "document.querySelectorAll('#images-panel canvas').length >= 6")
    shot(page, "05-digits-images")
    # Hover a drawn point: the tooltip shows its id and an image.
    exp_id = hook(page, "experimentId")
    emb = api(server_url, f"/api/experiments/{exp_id}/iterations/0/embedding")
    pos = page.evaluate(f"{HOOK}.screenPosition ? {HOOK}.screenPosition('initial', 0) : null")
    if pos is not None:
        page.mouse.move(pos[0], pos[1])
        page.wait_for_selector("#tooltip:not([hidden])")
        assert "0" in page.inner_text("#tooltip")
    assert emb["n"] == 1797
    assert page.console_errors == []


def test_cancel_and_errors_are_shown(page, server_url):
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")
    page.select_option("#dataset-select", "digits")
    page.click("details#train-settings > summary")
    page.fill("#param-epochs", "5000")
    page.click("#train-button")
    wait_until(page, f"{HOOK}.status === 'training'")
    page.click("#cancel-button")
    wait_until(page, f"{HOOK}.status === 'cancelled'", timeout=30_000)
    # A bad setting is refused by the server and the message is shown, escaped, in the page.
    if not page.is_visible("#param-epochs"):
        page.click("details#train-settings > summary")
    page.fill("#param-epochs", "0")
    page.click("#train-button")
    page.wait_for_selector("#error:not([hidden])")
    assert "epochs (0)" in page.inner_text("#error").lower()
    # An experiment id the server does not know: its JSON error is shown in the page.
    page.goto(server_url + "/?experiment=" + "0" * 32)
    wait_until(page, "!document.querySelector('#error').hidden")
    assert "does not exist" in page.inner_text("#error")
    assert page.locator("#error script").count() == 0
