"""What the latent space means, in real headless Chromium: decoding under the cursor, the
decoded grid, neighbours torn apart, colour by quality or feature, the animated transition,
the PCA reference and the comparison of two iterations."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, selected_count, submit, train, wait_until

pytestmark = pytest.mark.browser


# Plot 1 shows its whole extent: d3's zoom transform is the identity (exactly so once the
# animated reset has ended).
UNZOOMED = (
    "((t) => t.k === 1 && t.x === 0 && t.y === 0)"
    "(window.d3.zoomTransform(document.querySelector('#plot-initial .plot-svg')))"
)


def hover_empty(page, plot: str) -> None:
    """Rest the pointer in the plot's top-left corner: the 6 % margin around the points
    keeps it empty (the decoder is asked there, no point's tooltip)."""
    box = page.locator(f"#plot-{plot} .plot-inner").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 4, box["y"] + 4)
    page.mouse.move(box["x"] + 6, box["y"] + 6)


def click_point(page, plot: str, point: int, modifiers=None) -> None:
    pos = page.evaluate(f"{HOOK}.screenPosition('{plot}', {point})")
    assert pos is not None, f"point {point} is not drawn in plot {plot}"
    page.mouse.move(pos[0], pos[1])
    if modifiers:
        page.keyboard.down(modifiers)
    page.mouse.click(pos[0], pos[1])
    if modifiers:
        page.keyboard.up(modifiers)


def legend_ends(page) -> tuple[float, float]:
    lo = float(page.get_attribute("#colour-legend .legend-min", "data-value"))
    hi = float(page.get_attribute("#colour-legend .legend-max", "data-value"))
    return lo, hi


def test_digits_decode_neighbours_grid_transition_pca_compare(page, server_url):
    train(page, server_url, dataset="digits", model="ae", epochs=5)
    exp_id = hook(page, "experimentId")
    # The new fields are there from the start.
    assert hook(page, "colourBy") == "class"
    assert hook(page, "pcaShown") is False
    assert hook(page, "transition") == {"running": False, "done": 0}

    # 1. Hovering empty space shows the decoder's image there (8 x 8 pixels, drawn on a canvas).
    hover_empty(page, "initial")
    wait_until(page, f"{HOOK}.decodeShown === true", timeout=20_000)
    assert page.is_visible("#decode-view")
    assert page.get_attribute("#decode-view", "data-kind") == "image"
    canvas = page.locator("#decode-view canvas.decode-image")
    assert canvas.count() == 1
    assert canvas.evaluate("(c) => [c.width, c.height]") == [8, 8]
    assert "it. 0" in page.inner_text("#decode-view")
    shot(page, "30-digits-decode")
    page.mouse.move(5, 5)  # off the plots: the box goes
    wait_until(page, f"{HOOK}.decodeShown === false")

    # 2. The decoded grid: 15 x 15 images under plot 1 (the only plot with points yet).
    page.check("#grid-toggle")
    wait_until(page, f"{HOOK}.gridTiles === 225", timeout=30_000)
    assert page.get_attribute("#plot-initial", "data-grid-tiles") == "225"
    assert "15 × 15" in page.inner_text("#grid-note")
    shot(page, "31-digits-grid")
    # Zooming in fetches a new grid over the smaller window (debounced).
    extent = page.get_attribute("#plot-initial", "data-grid-extent")
    box = page.locator("#plot-initial .plot-inner").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    wait_until(
        page,
        f"document.querySelector('#plot-initial').dataset.gridExtent !== '{extent}'",
        timeout=20_000,
    )
    assert hook(page, "gridTiles") == 225
    assert not page.evaluate(UNZOOMED)
    page.click("#plot-initial .reset-zoom")
    # The reset is animated (350 ms, longer on a busy machine) and points are clicked below:
    # wait for its end, where d3's zoom transform is the identity exactly.
    wait_until(page, UNZOOMED)
    page.uncheck("#grid-toggle")
    wait_until(page, f"{HOOK}.gridTiles === 0")

    # 3. A plain click on a point marks its 10 nearest neighbours in the data: the API's.
    click_point(page, "initial", 17)
    wait_until(page, f"{HOOK}.neighbours.id !== null", timeout=20_000)
    nb = hook(page, "neighbours")
    assert nb["space"] == "original" and nb["iteration"] == 0
    expected = api(
        server_url, f"/api/experiments/{exp_id}/iterations/0/neighbors?id={nb['id']}&k=10"
    )
    assert nb["ids"] == expected["neighbors"]
    assert page.is_visible("#neighbours-note")
    assert f"Point {nb['id']}" in page.inner_text("#neighbours-note")
    # Selection by click moved to Shift+click: a plain click selected nothing.
    assert selected_count(page) == 0
    # "False neighbours": the 10 nearest in 2-D.
    page.check("input[name=nb-space][value=latent]")
    wait_until(page, f"{HOOK}.neighbours.space === 'latent'", timeout=20_000)
    latent = api(
        server_url,
        f"/api/experiments/{exp_id}/iterations/0/neighbors?id={nb['id']}&k=10&space=latent",
    )
    assert hook(page, "neighbours.ids") == latent["neighbors"]
    # k is adjustable.
    page.fill("#neighbours-k", "5")
    page.press("#neighbours-k", "Enter")
    wait_until(page, f"{HOOK}.neighbours.ids.length === 5", timeout=20_000)
    shot(page, "32-digits-neighbours")
    # Escape clears the marks (and only them); a click on empty space would too.
    page.keyboard.press("Escape")
    wait_until(page, f"{HOOK}.neighbours.id === null")
    assert page.is_hidden("#neighbours-note")
    page.check("input[name=nb-space][value=original]")
    page.fill("#neighbours-k", "10")
    page.press("#neighbours-k", "Enter")
    # Shift+click toggles a point in the selection.
    click_point(page, "initial", 17, modifiers="Shift")
    assert selected_count(page) == 1
    page.keyboard.press("Escape")
    assert selected_count(page) == 0

    # 4. Colour by local trustworthiness: a diverging scale with a legend bar.
    page.select_option("#colour-by", "pp:trustworthiness")
    wait_until(
        page, "document.querySelector('#colour-legend').dataset.kind === 'numeric'", timeout=20_000
    )
    assert hook(page, "colourBy") == "pp:trustworthiness"
    per_point = api(
        server_url, f"/api/experiments/{exp_id}/iterations/0/per_point?key=trustworthiness"
    )
    lo, hi = legend_ends(page)
    assert per_point["min"] - 1e-6 <= lo < hi <= per_point["max"] + 1e-6
    assert page.locator("#colour-legend .legend-bar rect").count() > 10
    assert "typical" in page.inner_text("#colour-legend")
    assert "is-recoloured" in page.get_attribute("#legend", "class")

    # 5. Submit class 3: plot 3 moves from iteration 0's coordinates, then hit-testing works.
    page.locator("#legend .legend-item[data-class='3']").click()
    assert selected_count(page) == 183
    k = submit(page, epochs=2)
    wait_until(page, f"{HOOK}.transition.done >= 1 && !{HOOK}.transition.running")
    # The legend now spans both iterations shown (plot 1: 0, plots 2 and 3: 1).
    wait_until(page, "document.querySelector('#colour-legend').dataset.kind === 'numeric'")
    shot(page, "33-digits-colour-trustworthiness")
    page.select_option("#colour-by", "class")
    wait_until(page, f"{HOOK}.colourBy === 'class'")
    click_point(page, "all", 42)
    wait_until(page, f"{HOOK}.neighbours.id !== null && {HOOK}.neighbours.iteration === {k}")
    nb = hook(page, "neighbours")
    expected = api(
        server_url, f"/api/experiments/{exp_id}/iterations/{k}/neighbors?id={nb['id']}&k=10"
    )
    assert nb["ids"] == expected["neighbors"]
    page.keyboard.press("Escape")
    wait_until(page, f"{HOOK}.neighbours.id === null")

    # 6. PCA in plot 1's place, and PCA rows in both metrics tables equal to the server's.
    page.click("#pca-toggle")
    wait_until(
        page, f"{HOOK}.pcaShown && {HOOK}.plots.pca && {HOOK}.plots.pca.pointsDrawn === 1797"
    )
    # Beside the plots, not in plot 1's place: both are on screen.
    assert page.is_visible("#plot-initial") and page.is_visible("#plot-pca")
    assert "PCA" in page.inner_text("#plot-pca .plot-title")
    met = api(server_url, f"/api/experiments/{exp_id}/iterations/{k}/metrics")
    for table, source in (("after", met["metrics"]), ("before", met["parent_metrics"])):
        for group in ("all", "selected", "rest"):
            for key in (
                "pca_trustworthiness",
                "pca_continuity",
                "pca_stress",
                "pca_reconstruction_error",
            ):
                cell = page.locator(
                    f"#metrics-panel td[data-table={table}][data-group={group}][data-metric={key}]"
                )
                assert float(cell.get_attribute("data-value")) == pytest.approx(
                    source[group][key], abs=1e-9
                ), (table, group, key)
    pca = api(server_url, f"/api/experiments/{exp_id}/pca")
    assert pca["metrics"]["trustworthiness"] == pytest.approx(
        met["metrics"]["all"]["pca_trustworthiness"], abs=1e-9
    )
    shot(page, "34-digits-pca")
    page.click("#pca-toggle")
    wait_until(page, f"!{HOOK}.pcaShown")
    assert page.is_visible("#plot-initial")

    # 7. Compare iterations 0 and 1 from the experiment's record.
    page.select_option("#compare-a", "0")
    page.select_option("#compare-b", "1")
    record = api(server_url, f"/api/experiments/{exp_id}")
    a, b = (record["iterations"][i]["metrics"]["all"] for i in (0, 1))
    for metric in ("trustworthiness", "continuity", "neighborhood_hit", "reconstruction_error"):
        row = f"#compare-panel tr[data-metric={metric}]"
        va = float(page.get_attribute(f"{row} td[data-side=a]", "data-value"))
        vb = float(page.get_attribute(f"{row} td[data-side=b]", "data-value"))
        delta = float(page.get_attribute(f"{row} td[data-side=delta]", "data-value"))
        assert va == pytest.approx(a[metric], abs=1e-9)
        assert vb == pytest.approx(b[metric], abs=1e-9)
        assert delta == pytest.approx(b[metric] - a[metric], abs=1e-9)
    shot(page, "35-digits-compare")

    # After the transition, hovering a point of plot 3 still finds it (tooltip).
    pos = page.evaluate(f"{HOOK}.screenPosition('all', 7)")
    page.mouse.move(pos[0], pos[1])
    page.wait_for_selector("#tooltip:not([hidden])")
    assert page.console_errors == []


def test_iris_feature_profile_and_feature_colours(page, server_url):
    train(page, server_url, dataset="iris", model="ae", epochs=40)
    exp_id = hook(page, "experimentId")
    stats = api(server_url, f"/api/experiments/{exp_id}/feature_stats")

    # Tabular data: the decoded feature profile as a bar chart against the dataset mean.
    hover_empty(page, "initial")
    wait_until(page, f"{HOOK}.decodeShown === true", timeout=20_000)
    assert page.get_attribute("#decode-view", "data-kind") == "tabular"
    rows = page.locator("#decode-view .decode-bars .decode-row")
    assert rows.count() == len(stats["feature_names"]) == 4
    titles = rows.locator("title").all_text_contents()
    for name, title in zip(stats["feature_names"], titles, strict=True):
        assert title.startswith(name) and "dataset mean" in title
    shot(page, "36-iris-decode-profile")
    page.mouse.move(5, 5)

    # Colour by a raw feature: a viridis bar from its minimum to its maximum.
    feature = "petal length (cm)"
    page.select_option("#colour-by", f"attr:{feature}")
    wait_until(
        page, "document.querySelector('#colour-legend').dataset.kind === 'numeric'", timeout=20_000
    )
    assert hook(page, "colourBy") == f"attr:{feature}"
    values = api(server_url, f"/api/experiments/{exp_id}/attributes/petal%20length%20(cm)")
    lo, hi = legend_ends(page)
    assert lo == pytest.approx(values["min"], rel=1e-6)
    assert hi == pytest.approx(values["max"], rel=1e-6)
    assert page.inner_text("#colour-legend .legend-min").strip() == "1"
    assert page.inner_text("#colour-legend .legend-max").strip() == "6.9"

    # The grid's tiles then show the decoded value of that feature (the UI says so).
    page.check("#grid-toggle")
    wait_until(page, f"{HOOK}.gridTiles === 225", timeout=30_000)
    assert feature in page.inner_text("#grid-note")
    shot(page, "37-iris-grid-feature")
    page.select_option("#colour-by", "class")
    wait_until(page, f"{HOOK}.colourBy === 'class'")
    assert "from the mean" in page.inner_text("#grid-note")
    assert page.get_attribute("#colour-legend", "data-kind") == "class"
    assert page.console_errors == []
