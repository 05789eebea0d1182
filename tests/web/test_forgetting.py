"""The forgetting routes: the per-class report, its downloads, the strip and the heat map."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from latent_explorer.core.forgetting import forgetting_report
from tests.web.conftest import wait_for_job


def _submit(app, client, exp_id, ids, **extra):
    r = client.post(
        f"/api/experiments/{exp_id}/iterations",
        json={"selected_ids": ids, "epochs": 3, **extra},
    )
    assert r.status_code == 202, r.get_json()
    assert wait_for_job(app, exp_id).state == "done"
    return r.get_json()


@pytest.fixture
def chained(app, client, trained):
    """Iris: two Submits in a row on versicolor + virginica (ids 50-149)."""
    ids = list(range(50, 150))
    _submit(app, client, trained, ids)
    _submit(app, client, trained, ids, parent=1)
    return trained


def test_forgetting_report_over_the_chain(app, client, chained):
    r = client.get(f"/api/experiments/{chained}/iterations/2/forgetting")
    assert r.status_code == 200
    body = r.get_json()
    assert body["iterations"] == [0, 1, 2] and body["n_selected"] == 100
    exp = app.extensions["latent_explorer.sessions"].get(chained).experiment
    assert body == forgetting_report(exp, 2)  # the route adds nothing and loses nothing
    roles = {c["name"]: c["role"] for c in body["classes"]}
    assert roles == {"setosa": "not selected", "versicolor": "selected", "virginica": "selected"}
    y = exp.dataset.y
    err = exp.iterations[2].per_point["reconstruction_error"]
    assert body["classes"][0]["reconstruction_error"][2]["mean"] == pytest.approx(
        err[y == 0].mean(), rel=1e-12
    )
    assert "not in the selection" in body["classes"][0]["change"]["text"]


def test_forgetting_downloads(client, chained):
    r = client.get(f"/api/experiments/{chained}/iterations/2/forgetting.json")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == (
        'attachment; filename="iris-ae-iteration2-forgetting.json"'
    )
    assert r.get_json()["dataset"] == "iris" and len(r.get_json()["classes"]) == 3
    r = client.get(f"/api/experiments/{chained}/iterations/2/forgetting.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 3 * 3
    first = rows[0]
    assert first["iteration"] == "0" and first["class"] == "setosa"
    assert float(first["reconstruction_error_lo"]) <= float(first["reconstruction_error_mean"])
    assert first["error_selected_mean"] == ""  # setosa has no selected point


def test_tabular_strip_is_a_heat_map(client, chained):
    r = client.get(f"/api/experiments/{chained}/iterations/2/strip")
    assert r.status_code == 200
    body = r.get_json()
    assert body["kind"] == "tabular" and body["iterations"] == [0, 1, 2]
    assert body["classes"] == ["setosa", "versicolor", "virginica"]
    assert np.array(body["relative"]).shape == (3, 4)
    assert body["selected"] == [False, True, True]


def test_image_strip_has_a_row_per_class_and_a_column_per_iteration(app, client, data_dir):
    r = client.post(
        "/api/experiments", json={"dataset": "digits", "model": "ae", "config": {"epochs": 3}}
    )
    exp_id = r.get_json()["id"]
    assert wait_for_job(app, exp_id).state == "done"
    _submit(app, client, exp_id, list(range(0, 1797, 2)))
    r = client.get(f"/api/experiments/{exp_id}/iterations/1/strip?per_class=2")
    assert r.status_code == 200
    body = r.get_json()
    assert body["kind"] == "image" and body["iterations"] == [0, 1]
    assert body["shape"] == [8, 8] and len(body["rows"]) == 10
    row = body["rows"][3]
    assert row["class"] == "3" and len(row["ids"]) == 2
    assert len(row["original"]) == 2 and len(row["original"][0]) == 64
    assert len(row["columns"]) == 2 and len(row["columns"][1]) == 2
    # The same ids whatever iteration is asked for.
    r0 = client.get(f"/api/experiments/{exp_id}/iterations/0/strip?per_class=2").get_json()
    assert [row["ids"] for row in r0["rows"]] == [row["ids"] for row in body["rows"]]


@pytest.mark.parametrize("value", ["0", "9", "x"])
def test_strip_per_class_out_of_range(shared_client, shared_trained, value):
    r = shared_client.get(f"/api/experiments/{shared_trained}/iterations/0/strip?per_class={value}")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "bad_per_class" and f"per_class ({value!r})" in error["message"]


def test_forgetting_of_a_missing_iteration_is_404(client, trained):
    r = client.get(f"/api/experiments/{trained}/iterations/7/forgetting")
    assert r.status_code == 404
