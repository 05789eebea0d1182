"""Downloads: selection.json, metrics.json, checkpoint.pt and export.csv (names and contents)."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.experiment import Experiment
from latent_explorer.core.training import TrainConfig
from latent_explorer.web.exports import csv_cell, slug
from tests.web.conftest import wait_for_job


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


@pytest.fixture
def submitted(app, client, trained):
    r = client.post(
        f"/api/experiments/{trained}/iterations",
        json={
            "parent": 0,
            "selected_ids": list(range(100, 150)),
            "selection": {"method": "class", "params": {"classes": [2]}},
            "epochs": 3,
        },
    )
    assert r.status_code == 202
    assert wait_for_job(app, trained).state == "done"
    return trained


def test_selection_json(client, submitted):
    r = client.get(f"/api/experiments/{submitted}/iterations/1/selection.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert (
        r.headers["Content-Disposition"]
        == 'attachment; filename="iris-ae-iteration1-selection.json"'
    )
    assert r.get_json() == {
        "experiment": submitted,
        "iteration": 1,
        "ids": list(range(100, 150)),
        "method": "class",
        "params": {"classes": [2]},
    }
    r = client.get(f"/api/experiments/{submitted}/iterations/0/selection.json")
    assert r.status_code == 404 and error_of(r)["code"] == "no_selection"
    r = client.get(f"/api/experiments/{submitted}/iterations/5/selection.json")
    assert r.status_code == 404 and error_of(r)["code"] == "iteration_not_found"


def test_metrics_json(client, submitted):
    r = client.get(f"/api/experiments/{submitted}/iterations/1/metrics.json")
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="iris-ae-iteration1-metrics.json"'
    )
    body = r.get_json()
    shown = client.get(f"/api/experiments/{submitted}/iterations/1/metrics").get_json()
    assert body == {
        "experiment": submitted,
        "dataset": "iris",
        "model": "ae",
        "iteration": 1,
        "parent": 0,
        "metrics": shown["metrics"],
        "parent_metrics": shown["parent_metrics"],
    }
    assert set(body["metrics"]) == {"all", "selected", "rest"}
    body0 = client.get(f"/api/experiments/{submitted}/iterations/0/metrics.json").get_json()
    assert body0["parent"] is None and body0["parent_metrics"] is None


def test_checkpoint_is_a_loadable_state_dict(app, client, submitted):
    r = client.get(f"/api/experiments/{submitted}/iterations/1/checkpoint.pt")
    assert r.status_code == 200 and r.mimetype == "application/octet-stream"
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="iris-ae-iteration1-checkpoint.pt"'
    )
    state = torch.load(io.BytesIO(r.data), weights_only=True)
    model = app.extensions["latent_explorer.sessions"].get(submitted).experiment.iterations[1].model
    expected = model.state_dict()
    assert state.keys() == expected.keys()
    assert all(torch.equal(state[k], expected[k].cpu()) for k in expected)
    r = client.get(f"/api/experiments/{submitted}/iterations/2/checkpoint.pt")
    assert r.status_code == 404 and error_of(r)["code"] == "iteration_not_found"


def test_export_csv_neutralises_formulas_and_names_safely(app, client):
    """Labels of an uploaded CSV can be anything; a spreadsheet must not run them."""
    iris = load_dataset("iris")
    evil = ['=HYPERLINK("http://x")', "+1-1", "@SUM(A1)"]
    dataset = dataclasses.replace(iris, name='user:my "data"/../x y', class_names=evil)
    registry = app.extensions["latent_explorer.sessions"]
    session = registry.create(
        Experiment(dataset, "ae", config=TrainConfig(epochs=2, batch_size=32), device="cpu")
    )
    # Job workers load datasets by name from the data folders, and no folder holds this
    # made-up one: train in this process and store the iteration as a worker would.
    it = session.experiment.train(measure=True)
    registry.store.save_iteration(session.id, it)
    registry.store.save_metrics(session.id, it)

    r = client.get(f"/api/experiments/{session.id}/iterations/0/export.csv")
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="user_my_data_.._x_y-ae-iteration0.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {row["label"] for row in rows} == {"'" + name for name in evil}
    # Numbers stay numbers, minus signs included.
    coords = [float(row[c]) for row in rows for c in ("x", "y")]
    negative = [row[c] for row in rows for c in ("x", "y") if row[c].startswith("-")]
    assert len(coords) == 300 and negative and not any(v.startswith("'") for v in negative)
    r = client.get(f"/api/experiments/{session.id}/iterations/0/metrics.json")
    assert (
        'filename="user_my_data_.._x_y-ae-iteration0-metrics.json"'
        in (r.headers["Content-Disposition"])
    )


def test_export_csv_keeps_plain_labels(client, trained):
    r = client.get(f"/api/experiments/{trained}/iterations/0/export.csv")
    assert r.headers["Content-Disposition"] == 'attachment; filename="iris-ae-iteration0.csv"'
    labels = {row["label"] for row in csv.DictReader(io.StringIO(r.get_data(as_text=True)))}
    assert labels == {"setosa", "versicolor", "virginica"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (-1, -1),
        (-1.5, -1.5),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("iris", "iris"),
        ("wine_quality", "wine_quality"),
        ("user:My data", "user_My_data"),
        ("../../etc/passwd", "etc_passwd"),
        ('a"b\r\nc', "a_b_c"),
        ("...", "data"),
        ("é€", "data"),
        ("x" * 100, "x" * 64),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected
