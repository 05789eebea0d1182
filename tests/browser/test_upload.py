"""Your own CSV through the page: upload, choose features / label / scaling, create, train;
and bad files, whose precise server messages are shown in the upload dialog."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.browser.conftest import shot
from tests.browser.test_explorer import HOOK, api, hook, wait_until

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good_csv"
BAD = DATA / "bad_csv"
EXPECTED = json.loads((BAD / "expected.json").read_text())


def open_page(page, server_url):
    page.goto(server_url + "/")
    wait_until(page, "document.querySelectorAll('#dataset-select option').length >= 5")


def choose_file(page, path: Path) -> None:
    """Through the header button and the browser's file chooser, as a person would."""
    with page.expect_file_chooser() as chooser:
        page.click("#upload-button")
    chooser.value.set_files(str(path))


def wait_report(page) -> None:
    wait_until(
        page,
        "document.querySelector('#upload-dialog').open && !document.querySelector('.upload-body').hidden",
    )


def wait_message(page) -> str:
    wait_until(page, "!document.querySelector('.upload-message').hidden")
    return page.inner_text(".upload-message")


def feature_box(page, column: str):
    return page.locator(f"#upload-columns tbody tr[data-name='{column}'] input.upload-feature")


def train_here(page, *, model: str = "ae", epochs: int, timeout: float = 120_000) -> None:
    """Train the dataset the picker shows (no reload, unlike test_explorer.train)."""
    page.select_option("#model-select", model)
    if not page.is_visible("#param-epochs"):
        page.click("details#train-settings > summary")
    page.fill("#param-epochs", str(epochs))
    page.click("#train-button")
    wait_until(
        page, f"{HOOK}.status === 'ready' && {HOOK}.plots.initial.pointsDrawn > 0", timeout=timeout
    )


def delete(server_url: str, path: str) -> None:
    urllib.request.urlopen(urllib.request.Request(server_url + path, method="DELETE"))


def test_upload_choose_columns_create_and_train(page, server_url):
    open_page(page, server_url)
    choose_file(page, GOOD / "blobs.csv")
    wait_report(page)
    assert "blobs.csv" in page.inner_text(".upload-file-info")
    assert "60 rows" in page.inner_text(".upload-file-info")
    # Preselected from the server's suggestions: the unnamed index column is not a feature,
    # "species" is the label (so it cannot be a feature too).
    assert page.locator("#upload-columns tbody tr").count() == 6
    assert not feature_box(page, "column_1").is_checked()
    for name in "abcd":
        assert feature_box(page, name).is_checked()
    assert feature_box(page, "species").is_disabled()
    assert page.locator("#upload-label option:checked").inner_text() == "species"
    assert page.is_hidden(".upload-drop")  # no bad cells in the chosen columns
    assert page.input_value("#upload-name") == "blobs"

    # Choose: three features, min-max scaling, a name of our own.
    feature_box(page, "d").uncheck()
    page.select_option("#upload-scaling", "minmax")
    suffix = uuid.uuid4().hex[:8]
    page.fill("#upload-name", f"Blobs {suffix}")
    shot(page, "44-upload-form")
    page.click("#upload-create")
    name = f"user:blobs-{suffix}"
    wait_until(
        page,
        f"!document.querySelector('#upload-dialog').open && document.querySelector('#dataset-select').value === '{name}'",
    )
    info = next(d for d in api(server_url, "/api/datasets")["datasets"] if d["name"] == name)
    assert (info["n_samples"], info["n_features"], info["class_names"]) == (
        60,
        3,
        ["setosa", "versicolor", "virginica"],
    )
    assert "minmax" in info["description"] or "[0, 1]" in info["description"]
    assert "60 points · 3 features · 3 classes" in page.inner_text("#dataset-note")
    assert f"Blobs {suffix}" in page.locator("#dataset-select option:checked").inner_text()

    train_here(page, epochs=20)
    assert hook(page, "datasetName") == name
    assert hook(page, "plots.initial.pointsDrawn") == 60
    assert page.locator("#legend .legend-item[data-class]").count() == 3
    shot(page, "45-upload-trained")
    assert page.console_errors == []  # type: ignore[attr-defined]
    delete(server_url, f"/api/experiments/{hook(page, 'experimentId')}")
    delete(server_url, f"/api/datasets/{name}")


@pytest.mark.parametrize(
    "filename",
    ["duplicate_columns.csv", "latin1.csv", "xlsx_renamed.csv", "ragged_rows.csv", "no_header.csv"],
)
def test_bad_files_are_refused_with_the_servers_message(page, server_url, filename):
    open_page(page, server_url)
    choose_file(page, BAD / filename)
    message = wait_message(page)
    expected = EXPECTED[filename]
    assert expected["message"] in message
    assert page.get_attribute(".upload-message", "data-code") == expected["code"]
    assert page.is_hidden(".upload-body") and page.is_disabled("#upload-create")
    if filename == "latin1.csv":
        shot(page, "46-upload-bad-file")
    # The page still works: close the dialog and train iris.
    page.click(".upload-actions .upload-cancel")
    assert not page.evaluate("document.querySelector('#upload-dialog').open")
    page.select_option("#dataset-select", "iris")
    train_here(page, epochs=5)
    assert hook(page, "plots.initial.pointsDrawn") == 150
    # The failed upload answered 422; the browser logs that line, nothing else went wrong.
    assert all("422" in e for e in page.console_errors)  # type: ignore[attr-defined]
    delete(server_url, f"/api/experiments/{hook(page, 'experimentId')}")


def test_bad_cells_are_dropped_on_request_and_names_are_unique(page, server_url):
    open_page(page, server_url)
    choose_file(page, BAD / "non_numeric_cells.csv")
    wait_report(page)
    # y has two text cells: the form says where, and offers to drop those rows.
    drop = page.locator(".upload-drop")
    assert drop.is_visible()
    assert "y: 2 text cells, first on line 5" in drop.inner_text()
    suffix = uuid.uuid4().hex[:8]
    page.fill("#upload-name", f"cells {suffix}")
    # The server would refuse these rows: Create says why and waits, instead of asking it.
    assert page.is_disabled("#upload-create")
    why = page.inner_text(".upload-why")
    assert "Drop rows with bad cells" in why and "drop_bad_rows" not in why
    assert page.get_attribute("#upload-create", "title") == why
    shot(page, "47-upload-bad-cells")
    # Without y the rows are fine and the offer goes away; with y, drop the two rows.
    feature_box(page, "y").uncheck()
    assert drop.is_hidden()
    feature_box(page, "y").check()
    page.check("#upload-drop")
    page.click("#upload-create")
    name = f"user:cells-{suffix}"
    wait_until(page, f"document.querySelector('#dataset-select').value === '{name}'")
    info = next(d for d in api(server_url, "/api/datasets")["datasets"] if d["name"] == name)
    assert info["n_samples"] == 10  # 12 rows, 2 dropped

    # The same name again: the server's 409 message is shown in the form.
    choose_file(page, BAD / "non_numeric_cells.csv")
    wait_report(page)
    page.fill("#upload-name", f"cells {suffix}")
    page.check("#upload-drop")
    page.click("#upload-create")
    assert f"'{name}' exists" in wait_message(page)
    page.keyboard.press("Escape")  # a dialog closes with Escape
    assert not page.evaluate("document.querySelector('#upload-dialog').open")
    delete(server_url, f"/api/datasets/{name}")


def test_too_large_upload_shows_the_limit(page, server_url):
    # The server's limit is 100 MB; rather than sending that much, answer as it would.
    message = (
        "the file is larger than the upload limit (100 MB, setting MAX_UPLOAD_MB): "
        "upload a sample of the rows"
    )
    page.route(
        "**/api/uploads",
        lambda route: route.fulfill(
            status=413,
            content_type="application/json",
            body=json.dumps({"error": {"code": "upload_too_large", "message": message}}),
        ),
    )
    open_page(page, server_url)
    choose_file(page, GOOD / "blobs.csv")
    assert wait_message(page) == message
    assert page.get_attribute(".upload-message", "data-code") == "upload_too_large"
